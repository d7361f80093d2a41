// The station's places (exits, platforms, halls, lifts...): a list a page at a time, filtered by
// level and kind, with what the graph validation finds; one place's page with its pathways; create,
// edit (names in the kiosk's languages, kind, level, coordinates, line) and delete (the service
// refuses while pathways use it, and says so).

import { h, replace } from "../../common/dom.js";
import { button, problemNotice } from "../../common/ui.js";
import { Pager, allItems } from "../../common/pages.js";
import { dataTable, form, formDialog, moreButton, pageHeader, panel, savedToast, stateBadge } from "../kit.js";
import { EQUIPMENT_KINDS, kindOptions, kioskApi, levelOptions, loadMap, nameFields, namesFrom, nameValues, placeLink, tabs } from "./common.js";
import { pathwayTable } from "./pathways.js";
import { gtfsPanel } from "./gtfs.js";
import { validationPanel } from "./validation.js";

const PAGE = 50;

function placeFields(ctx, levels, { creating }) {
  return [
    creating && { name: "code", label: ctx.t("kiosk.code"), hint: ctx.t("kiosk.codeHint"), required: true, spellcheck: "false" },
    { name: "kind", type: "select", label: ctx.t("kiosk.place.kind"), options: kindOptions(ctx), required: true },
    { name: "level_code", type: "select", label: ctx.t("kiosk.place.level"), options: levelOptions(levels), required: true },
    { name: "lat", type: "number", label: ctx.t("kiosk.place.lat"), step: "any", min: -90, max: 90, required: true },
    { name: "lon", type: "number", label: ctx.t("kiosk.place.lon"), step: "any", min: -180, max: 180, required: true },
    { name: "line", label: ctx.t("kiosk.place.line"), hint: ctx.t("kiosk.place.lineHint") },
    ...nameFields(ctx),
  ].filter(Boolean);
}

function placeBody(values) {
  const { code, kind, level_code, lat, lon, line } = values;
  return { ...(code ? { code } : {}), kind, level_code, lat, lon, line, names: namesFrom(values) };
}

/** Create (no place) or edit a place in a dialog; resolves to the place saved, or null. */
export function editPlace(ctx, levels, place = null) {
  const kiosk = kioskApi(ctx);
  return formDialog({
    title: place ? ctx.t("kiosk.place.editTitle", { name: place.name }) : ctx.t("kiosk.place.createTitle"),
    wide: true,
    fields: placeFields(ctx, levels, { creating: !place }),
    values: place ? { ...place, ...nameValues(place.names) } : { lat: null, lon: null },
    submitLabel: place ? ctx.t("console.save") : ctx.t("console.create"),
    onSubmit: (values) => (place ? kiosk.patch(`/places/${encodeURIComponent(place.code)}`, placeBody(values)) : kiosk.post("/places", placeBody(values))),
  });
}

/** Delete a place after confirmation; the service's refusal (pathways use it) shows in `problem`. */
export async function deletePlace(ctx, place, problem) {
  const sure = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: place.name }), message: ctx.t("kiosk.place.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
  if (!sure) return false;
  try {
    await kioskApi(ctx).delete(`/places/${encodeURIComponent(place.code)}`);
  } catch (error) {
    if (error?.name !== "AbortError") replace(problem, problemNotice(error));
    return false;
  }
  ctx.toast(ctx.t("console.deleted"), { tone: "success" });
  return true;
}

const listView = {
  id: "kiosk-places",
  path: "/kiosk/places",
  title: "kiosk.places.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const filters = { level: ctx.query.level ?? "", kind: ctx.query.kind ?? "" };
    const { levels } = await loadMap(ctx);
    const problem = h("div", { id: "places-problem" });
    const body = h("div", { class: "panel__body" });
    const create = button({
      label: ctx.t("kiosk.place.create"),
      icon: "plus",
      variant: "primary",
      id: "create-place",
      onClick: async () => {
        const saved = await editPlace(ctx, levels);
        if (saved) {
          savedToast(ctx);
          ctx.router.navigate(`/kiosk/places/${encodeURIComponent(saved.code)}`);
        }
      },
    });
    const filter = form({
      className: "filters",
      submitLabel: ctx.t("console.filter"),
      values: filters,
      fields: [
        { name: "level", type: "select", label: ctx.t("kiosk.place.level"), options: levelOptions(levels), emptyLabel: ctx.t("kiosk.all") },
        { name: "kind", type: "select", label: ctx.t("kiosk.place.kind"), options: kindOptions(ctx), emptyLabel: ctx.t("kiosk.all") },
      ],
      onSubmit: (values) => ctx.router.navigate("/kiosk/places", Object.fromEntries(Object.entries(values).filter(([, value]) => value))),
    });
    ctx.root.append(
      pageHeader({ title: ctx.t("kiosk.places.title"), lead: ctx.t("kiosk.places.lead"), actions: [create] }),
      tabs(ctx),
      panel({ title: ctx.t("kiosk.places.listTitle"), id: "places" }, filter, problem, body),
    );
    const levelName = new Map(levels.map((level) => [level.code, level.name]));
    const query = { ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value)), lang: ctx.i18n.locale.split("-")[0] };
    const pager = new Pager(kiosk, "/places", { query, limit: PAGE });
    const draw = () => {
      replace(
        body,
        dataTable({
          caption: ctx.t("kiosk.places.listTitle"),
          rows: pager.items,
          empty: ctx.t("kiosk.places.none"),
          columns: [
            { label: ctx.t("kiosk.place.name"), render: (place) => placeLink(ctx, place.code, place.name) },
            { label: ctx.t("kiosk.place.kind"), render: (place) => ctx.t(`kiosk.kind.${place.kind}`) },
            { label: ctx.t("kiosk.place.level"), render: (place) => levelName.get(place.level_code) ?? place.level_code },
            { label: ctx.t("kiosk.place.line"), render: (place) => place.line ?? "—" },
            {
              label: ctx.t("console.actions"),
              render: (place) =>
                h(
                  "div",
                  { class: "cluster" },
                  button({ label: ctx.t("console.edit"), dataset: { action: "edit" }, "aria-label": ctx.t("kiosk.editNamed", { name: place.name }), onClick: async () => (await editPlace(ctx, levels, place)) && (savedToast(ctx), ctx.router.render()) }),
                  button({ label: ctx.t("console.delete"), dataset: { action: "delete" }, "aria-label": ctx.t("kiosk.deleteNamed", { name: place.name }), onClick: async () => (await deletePlace(ctx, place, problem)) && ctx.router.render() }),
                ),
            },
          ],
        }),
        pager.hasMore && moreButton(more),
      );
    };
    const more = async () => {
      await pager.more();
      draw();
    };
    await more();
    ctx.root.append(validationPanel(ctx), gtfsPanel(ctx));
  },
};

const placeView = {
  id: "kiosk-place",
  path: "/kiosk/places/:code",
  title: "kiosk.place.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const code = ctx.params.code;
    const [place, { levels, places }, pathways] = await Promise.all([
      kiosk.get(`/places/${encodeURIComponent(code)}`, { query: { lang: ctx.i18n.locale.split("-")[0] } }),
      loadMap(ctx),
      allItems(kiosk, "/pathways", { query: { place: code } }),
    ]);
    const problem = h("div", { id: "place-problem" });
    const level = levels.find((candidate) => candidate.code === place.level_code);
    const actions = [
      button({ label: ctx.t("console.edit"), icon: "text", id: "edit-place", onClick: async () => (await editPlace(ctx, levels, place)) && (savedToast(ctx), ctx.router.render()) }),
      button({ label: ctx.t("console.delete"), variant: "danger", id: "delete-place", onClick: async () => (await deletePlace(ctx, place, problem)) && ctx.router.navigate("/kiosk/places") }),
    ];
    const facts = [
      [ctx.t("kiosk.code"), h("span", { class: "mono" }, place.code)],
      [ctx.t("kiosk.place.kind"), ctx.t(`kiosk.kind.${place.kind}`)],
      [ctx.t("kiosk.place.level"), level ? `${level.name} (${level.code})` : place.level_code],
      [ctx.t("kiosk.place.coordinates"), `${place.lat}, ${place.lon}`],
      [ctx.t("kiosk.place.line"), place.line ?? "—"],
      EQUIPMENT_KINDS.includes(place.kind) && [
        ctx.t("kiosk.equipment.status"),
        h("span", null, place.out_of_service ? stateBadge("out_of_service", ctx.t("kiosk.equipment.outOfService")) : stateBadge("ok", ctx.t("kiosk.equipment.inService")), " ", h("a", { href: ctx.router.href("/kiosk/equipment") }, ctx.t("kiosk.equipment.manage"))),
      ],
    ].filter(Boolean);
    const names = Object.entries(place.names).map(([tag, text]) => ({ tag, text }));
    const byCode = new Map(places.map((candidate) => [candidate.code, candidate]));
    ctx.root.append(
      pageHeader({ title: place.name, lead: h("a", { href: ctx.router.href("/kiosk/places") }, ctx.t("kiosk.places.back")), actions }),
      tabs(ctx),
      problem,
      panel({ title: ctx.t("kiosk.place.facts"), id: "place-facts" }, h("dl", { class: "facts" }, facts.flatMap(([term, value]) => [h("dt", null, term), h("dd", null, value)]))),
      panel(
        { title: ctx.t("kiosk.place.names"), id: "place-names" },
        dataTable({ caption: ctx.t("kiosk.place.names"), rows: names, rowKey: (row) => row.tag, columns: [{ label: ctx.t("kiosk.language"), render: (row) => row.tag }, { label: ctx.t("kiosk.place.name"), render: (row) => h("span", { lang: row.tag, dir: row.tag === "ar" ? "rtl" : null }, row.text) }] }),
      ),
      panel(
        { title: ctx.t("kiosk.place.pathways"), id: "place-pathways", actions: [h("a", { class: "button", href: ctx.router.href("/kiosk/pathways", { place: place.code }) }, ctx.t("kiosk.pathways.manage"))] },
        pathwayTable(ctx, pathways, byCode),
      ),
    );
  },
};

export default [listView, placeView];
