// The station's pathways (GTFS pathways: from a place to another by a walkway, stairs, an
// escalator, a lift...): a list a page at a time, filtered by a place; create, edit, delete.
// Every write is checked by the service like an import (a pathway to a place that does not exist
// is refused at its field).

import { h, replace } from "../../common/dom.js";
import { button, problemNotice } from "../../common/ui.js";
import { Pager } from "../../common/pages.js";
import { dataTable, form, formDialog, moreButton, pageHeader, panel, savedToast } from "../kit.js";
import { kioskApi, loadMap, modeOptions, placeLink, placeOptions, tabs } from "./common.js";

const PAGE = 50;

function pathwayFields(ctx, places, { creating }) {
  const options = placeOptions(places);
  return [
    creating && { name: "code", label: ctx.t("kiosk.code"), hint: ctx.t("kiosk.codeHint"), required: true, spellcheck: "false" },
    { name: "from_code", type: "select", label: ctx.t("kiosk.pathway.from"), options, required: true },
    { name: "to_code", type: "select", label: ctx.t("kiosk.pathway.to"), options, required: true },
    { name: "mode", type: "select", label: ctx.t("kiosk.pathway.mode"), options: modeOptions(ctx), required: true },
    { name: "bidirectional", type: "checkbox", label: ctx.t("kiosk.pathway.bidirectional") },
    { name: "length_m", type: "number", label: ctx.t("kiosk.pathway.length"), min: 0, max: 10000, step: "any" },
    { name: "traversal_time_s", type: "number", label: ctx.t("kiosk.pathway.time"), hint: ctx.t("kiosk.pathway.timeHint"), min: 0, max: 3600, step: 1 },
    { name: "stair_count", type: "number", label: ctx.t("kiosk.pathway.stairs"), min: 0, max: 1000, step: 1 },
  ].filter(Boolean);
}

/** Create (no pathway) or edit a pathway in a dialog; resolves to the pathway saved, or null. */
export function editPathway(ctx, places, pathway = null, preset = {}) {
  const kiosk = kioskApi(ctx);
  return formDialog({
    title: pathway ? ctx.t("kiosk.pathway.editTitle", { code: pathway.code }) : ctx.t("kiosk.pathway.createTitle"),
    wide: true,
    fields: pathwayFields(ctx, places, { creating: !pathway }),
    values: pathway ?? { mode: "walkway", bidirectional: true, ...preset },
    submitLabel: pathway ? ctx.t("console.save") : ctx.t("console.create"),
    // Empty numbers are sent as null: on an edit, that clears them.
    onSubmit: (values) => (pathway ? kiosk.patch(`/pathways/${encodeURIComponent(pathway.code)}`, values) : kiosk.post("/pathways", values)),
  });
}

/** A table of pathways, their places named; `actions(pathway)` adds a cell of buttons. */
export function pathwayTable(ctx, pathways, byCode, actions = null) {
  const place = (code) => placeLink(ctx, code, byCode.get(code)?.name);
  return dataTable({
    caption: ctx.t("kiosk.pathways.listTitle"),
    rows: pathways,
    empty: ctx.t("kiosk.pathways.none"),
    columns: [
      { label: ctx.t("kiosk.code"), render: (pathway) => h("span", { class: "mono" }, pathway.code) },
      { label: ctx.t("kiosk.pathway.from"), render: (pathway) => place(pathway.from_code) },
      { label: ctx.t("kiosk.pathway.to"), render: (pathway) => place(pathway.to_code) },
      { label: ctx.t("kiosk.pathway.mode"), render: (pathway) => ctx.t(`kiosk.mode.${pathway.mode}`) },
      { label: ctx.t("kiosk.pathway.direction"), render: (pathway) => ctx.t(pathway.bidirectional ? "kiosk.pathway.both" : "kiosk.pathway.oneWay") },
      { label: ctx.t("kiosk.pathway.length"), numeric: true, render: (pathway) => (pathway.length_m == null ? "—" : ctx.i18n.formatNumber(pathway.length_m)) },
      { label: ctx.t("kiosk.pathway.time"), numeric: true, render: (pathway) => (pathway.traversal_time_s == null ? "—" : ctx.i18n.formatNumber(pathway.traversal_time_s)) },
      { label: ctx.t("kiosk.pathway.stepFree"), render: (pathway) => ctx.t(pathway.step_free ? "console.yes" : "console.no") },
      ...(actions ? [{ label: ctx.t("console.actions"), render: actions }] : []),
    ],
  });
}

export default {
  id: "kiosk-pathways",
  path: "/kiosk/pathways",
  title: "kiosk.pathways.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const chosen = ctx.query.place ?? "";
    const { places } = await loadMap(ctx);
    const byCode = new Map(places.map((place) => [place.code, place]));
    const problem = h("div", { id: "pathways-problem" });
    const body = h("div", { class: "panel__body" });
    const create = button({
      label: ctx.t("kiosk.pathway.create"),
      icon: "plus",
      variant: "primary",
      id: "create-pathway",
      onClick: async () => (await editPathway(ctx, places, null, chosen ? { from_code: chosen } : {})) && (savedToast(ctx), ctx.router.render()),
    });
    const filter = form({
      className: "filters",
      submitLabel: ctx.t("console.filter"),
      values: { place: chosen },
      fields: [{ name: "place", type: "select", label: ctx.t("kiosk.pathways.byPlace"), options: placeOptions(places), emptyLabel: ctx.t("kiosk.all") }],
      onSubmit: (values) => ctx.router.navigate("/kiosk/pathways", values.place ? { place: values.place } : {}),
    });
    ctx.root.append(
      pageHeader({ title: ctx.t("kiosk.pathways.title"), lead: ctx.t("kiosk.pathways.lead"), actions: [create] }),
      tabs(ctx),
      panel({ title: ctx.t("kiosk.pathways.listTitle"), id: "pathways" }, filter, problem, body),
    );
    const remove = async (pathway) => {
      const sure = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: pathway.code }), message: ctx.t("kiosk.pathway.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
      if (!sure) return;
      try {
        await kiosk.delete(`/pathways/${encodeURIComponent(pathway.code)}`);
        ctx.toast(ctx.t("console.deleted"), { tone: "success" });
        ctx.router.render();
      } catch (error) {
        if (error?.name !== "AbortError") replace(problem, problemNotice(error));
      }
    };
    const actions = (pathway) =>
      h(
        "div",
        { class: "cluster" },
        button({ label: ctx.t("console.edit"), dataset: { action: "edit" }, "aria-label": ctx.t("kiosk.editNamed", { name: pathway.code }), onClick: async () => (await editPathway(ctx, places, pathway)) && (savedToast(ctx), ctx.router.render()) }),
        button({ label: ctx.t("console.delete"), dataset: { action: "delete" }, "aria-label": ctx.t("kiosk.deleteNamed", { name: pathway.code }), onClick: () => remove(pathway) }),
      );
    const pager = new Pager(kiosk, "/pathways", { query: { place: chosen || undefined }, limit: PAGE });
    const more = async () => {
      await pager.more();
      replace(body, pathwayTable(ctx, pager.items, byCode, actions), pager.hasMore && moreButton(more));
    };
    await more();
  },
};
