// The way out: each exit of the station and what it leads to (streets, bus stops and their lines,
// vehicle stations, charging points, taxis, landmarks), from the catalog's open data or entered
// here; add, edit and remove by exit code and destination code.

import { h, replace } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button, problemNotice } from "../../common/ui.js";
import { dataTable, formDialog, pageHeader, panel, savedToast } from "../kit.js";
import { kioskApi, nameFields, namesFrom, nameValues, tabs } from "./common.js";

export const DESTINATION_KINDS = ["street", "bus_stop", "tram_stop", "vehicle_station", "charging_point", "taxi", "landmark"];

const kindOptions = (ctx) => DESTINATION_KINDS.map((kind) => ({ value: kind, label: ctx.t(`kiosk.destination.kind.${kind}`) }));

/** "153, 173 ,255" -> ["153", "173", "255"] */
export const linesFrom = (text) =>
  String(text ?? "")
    .split(/[,\s]+/)
    .map((line) => line.trim())
    .filter(Boolean);

function destinationBody(values, { creating }) {
  const walking = values.walking_m === "" || values.walking_m === null || values.walking_m === undefined ? null : values.walking_m;
  return {
    ...(creating ? { code: values.code } : {}),
    kind: values.kind,
    names: namesFrom(values),
    lines: linesFrom(values.lines),
    lat: values.lat,
    lon: values.lon,
    walking_m: walking,
  };
}

/** Create (no destination) or edit what an exit leads to; resolves to the one saved, or null. */
function editDestination(ctx, exit, destination = null) {
  const path = `/exits/${encodeURIComponent(exit.code)}/destinations`;
  return formDialog({
    title: destination ? ctx.t("kiosk.destination.editTitle", { name: destination.name }) : ctx.t("kiosk.destination.createTitle", { exit: exit.name }),
    wide: true,
    fields: [
      !destination && { name: "code", label: ctx.t("kiosk.code"), hint: ctx.t("kiosk.codeHint"), required: true, spellcheck: "false" },
      { name: "kind", type: "select", label: ctx.t("kiosk.destination.kindLabel"), options: kindOptions(ctx), required: true },
      { name: "lines", label: ctx.t("kiosk.destination.lines"), hint: ctx.t("kiosk.destination.linesHint") },
      { name: "lat", type: "number", label: ctx.t("kiosk.place.lat"), step: "any", min: -90, max: 90, required: true },
      { name: "lon", type: "number", label: ctx.t("kiosk.place.lon"), step: "any", min: -180, max: 180, required: true },
      { name: "walking_m", type: "number", label: ctx.t("kiosk.destination.walking"), hint: ctx.t("kiosk.destination.walkingHint"), min: 0, max: 10000, step: "any" },
      ...nameFields(ctx),
    ].filter(Boolean),
    values: destination
      ? { ...destination, lines: destination.lines.join(", "), walking_m: destination.walking_estimated ? null : destination.walking_m, ...nameValues(destination.names) }
      : { kind: "street", lat: exit.lat, lon: exit.lon },
    submitLabel: destination ? ctx.t("console.save") : ctx.t("console.create"),
    onSubmit: (values) =>
      destination
        ? kioskApi(ctx).patch(`${path}/${encodeURIComponent(destination.code)}`, destinationBody(values, { creating: false }))
        : kioskApi(ctx).post(path, destinationBody(values, { creating: true })),
  });
}

export default {
  id: "kiosk-exits",
  path: "/kiosk/exits",
  title: "kiosk.exits.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const exits = await allItems(kiosk, "/exits", { query: { lang: ctx.i18n.locale.split("-")[0] }, headers: { "Cache-Control": "no-cache" } });
    const problem = h("div", { id: "exits-problem" });
    const saved = (result) => result && (savedToast(ctx), ctx.router.render());
    const remove = async (exit, destination) => {
      const sure = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: destination.name }), message: ctx.t("kiosk.destination.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
      if (!sure) return;
      try {
        await kiosk.delete(`/exits/${encodeURIComponent(exit.code)}/destinations/${encodeURIComponent(destination.code)}`);
        ctx.toast(ctx.t("console.deleted"), { tone: "success" });
        ctx.router.render();
      } catch (error) {
        if (error?.name !== "AbortError") replace(problem, problemNotice(error));
      }
    };
    ctx.root.append(
      pageHeader({ title: ctx.t("kiosk.exits.title"), lead: ctx.t("kiosk.exits.lead") }),
      tabs(ctx),
      problem,
      ...exits.map((exit) =>
        panel(
          { title: exit.name, id: `exit-${exit.code}` },
          h(
            "div",
            { class: "cluster" },
            h("span", { class: "mono muted" }, exit.code),
            button({
              label: ctx.t("kiosk.destination.create"),
              icon: "plus",
              dataset: { action: "add", exit: exit.code },
              onClick: async () => saved(await editDestination(ctx, exit)),
            }),
          ),
          dataTable({
            caption: ctx.t("kiosk.exits.leadsTo", { exit: exit.name }),
            rows: exit.destinations,
            empty: ctx.t("kiosk.exits.nothing"),
            columns: [
              { label: ctx.t("kiosk.place.name"), render: (d) => d.name },
              { label: ctx.t("kiosk.code"), render: (d) => h("span", { class: "mono" }, d.code) },
              { label: ctx.t("kiosk.destination.kindLabel"), render: (d) => ctx.t(`kiosk.destination.kind.${d.kind}`) },
              { label: ctx.t("kiosk.destination.lines"), render: (d) => d.lines.join(" ") },
              {
                label: ctx.t("kiosk.destination.walking"),
                numeric: true,
                render: (d) => `${ctx.i18n.formatNumber(Math.round(d.walking_m))} m${d.walking_estimated ? ` (${ctx.t("kiosk.destination.estimated")})` : ""}`,
              },
              { label: ctx.t("kiosk.destination.source"), render: (d) => ctx.t(`kiosk.destination.from.${d.source}`) },
              {
                label: ctx.t("console.actions"),
                render: (d) =>
                  h(
                    "div",
                    { class: "cluster" },
                    button({ label: ctx.t("console.edit"), dataset: { action: "edit", code: d.code }, "aria-label": ctx.t("kiosk.editNamed", { name: d.name }), onClick: async () => saved(await editDestination(ctx, exit, d)) }),
                    button({ label: ctx.t("console.delete"), dataset: { action: "delete", code: d.code }, "aria-label": ctx.t("kiosk.deleteNamed", { name: d.name }), onClick: () => remove(exit, d) }),
                  ),
              },
            ],
          }),
        ),
      ),
    );
  },
};
