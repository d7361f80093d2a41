// Layouts: how a screen is divided into regions (the content rotation, a departures board, a ticker,
// a clock) on a grid. The built-in templates are read only; the station's own start from one of them,
// are drawn as text (one line per grid row, a region name per column) and previewed as they will show.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button } from "../../common/ui.js";
import { dataTable, formDialog, panel, savedToast } from "../kit.js";
import { drawInto, frame, MESSAGES, signageApi } from "./shared.js";

export const KINDS = ["content", "departures", "ticker", "clock"];

/**
 * A small drawing of the layout's grid, each region named and coloured by its kind.
 * @param {{columns: string[], rows: string[], areas: string[], regions: Array<{name: string, kind: string}>, orientation?: string}} layout
 */
export function preview(ctx, layout) {
  const grid = h("div", { class: `layout-preview layout-preview--${layout.orientation ?? "landscape"}`, role: "img", "aria-label": ctx.t("signage.layout.previewOf", { areas: layout.areas.join(" / ") }) });
  grid.style.gridTemplateColumns = layout.columns.join(" ");
  grid.style.gridTemplateRows = layout.rows.map((row) => (row === "auto" ? "minmax(1.6em, auto)" : row)).join(" ");
  grid.style.gridTemplateAreas = layout.areas.map((row) => JSON.stringify(row)).join(" ");
  for (const region of layout.regions) {
    const cell = h("span", { class: `layout-preview__region layout-preview__region--${region.kind}`, dataset: { region: region.name } }, ctx.t(`signage.region.${region.kind}`));
    cell.style.gridArea = region.name;
    grid.append(cell);
  }
  return grid;
}

/** "content:content" lines → regions, keeping the departures settings typed in the form. */
export function regionsFrom(text, departures) {
  return String(text ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, kind = name] = line.split(":").map((part) => part.trim());
      return kind === "departures" ? { name, kind, ...departures } : { name, kind };
    });
}

const regionsText = (regions) => regions.map((r) => `${r.name}:${r.kind}`).join("\n");
const split = (text) => String(text ?? "").split(/\s+/).filter(Boolean);

function layoutFields(ctx, templates, { withCode }) {
  return [
    withCode && { name: "code", label: ctx.t("signage.layout.code"), required: true, hint: ctx.t("signage.codeHint"), spellcheck: "false" },
    withCode && { name: "template", label: ctx.t("signage.layout.template"), type: "select", required: true, options: templates.map((t) => ({ value: t.code, label: t.name })), hint: ctx.t("signage.layout.templateHint") },
    { name: "name", label: ctx.t("signage.layout.name"), required: true },
    { name: "orientation", label: ctx.t("signage.screen.orientation"), type: "select", required: true, options: ["landscape", "portrait", "any"].map((value) => ({ value, label: ctx.t(`signage.orientation.${value}`) })) },
    { name: "columns", label: ctx.t("signage.layout.columns"), required: true, hint: ctx.t("signage.layout.tracksHint"), spellcheck: "false" },
    { name: "rows", label: ctx.t("signage.layout.rows"), required: true, hint: ctx.t("signage.layout.tracksHint"), spellcheck: "false" },
    { name: "areas", label: ctx.t("signage.layout.areas"), type: "textarea", rows: 4, required: true, hint: ctx.t("signage.layout.areasHint"), spellcheck: "false" },
    { name: "regions", label: ctx.t("signage.layout.regions"), type: "textarea", rows: 4, required: true, hint: ctx.t("signage.layout.regionsHint"), spellcheck: "false" },
    { name: "stops", label: ctx.t("signage.layout.stops"), type: "list", hint: ctx.t("signage.layout.stopsHint") },
    { name: "lines", label: ctx.t("signage.layout.lines"), type: "list", hint: ctx.t("signage.listHint") },
    { name: "modes", label: ctx.t("signage.layout.modes"), type: "list", hint: ctx.t("signage.layout.modesHint") },
  ].filter(Boolean);
}

/** The form's values for a layout (or a template to start from). */
function valuesOf(layout) {
  const board = layout.regions.find((r) => r.kind === "departures") ?? {};
  return {
    name: layout.name,
    orientation: layout.orientation,
    columns: layout.columns.join(" "),
    rows: layout.rows.join(" "),
    areas: layout.areas.join("\n"),
    regions: regionsText(layout.regions),
    stops: board.stops ?? [],
    lines: board.lines ?? [],
    modes: board.modes ?? [],
  };
}

function layoutBody(values, templates) {
  const start = values.template ? templates.find((t) => t.code === values.template) : null;
  const departures = { stops: values.stops ?? [], lines: values.lines ?? [], modes: values.modes ?? [] };
  const body = {
    name: values.name,
    orientation: values.orientation,
    columns: split(values.columns),
    rows: split(values.rows),
    areas: String(values.areas ?? "").split("\n").map((row) => row.trim()).filter(Boolean),
    regions: regionsFrom(values.regions, departures),
  };
  if (values.code) body.code = values.code;
  // A template chosen and its grid left empty: the template's grid.
  if (start && !body.areas.length) Object.assign(body, { columns: start.columns, rows: start.rows, areas: start.areas, regions: start.regions });
  return body;
}

async function render(ctx) {
  const api = signageApi(ctx);
  let templates = [];
  const list = h("div");
  let redraw = null;

  async function open(layout, template = null) {
    const start = layout ?? template ?? templates[0];
    const saved = await formDialog({
      title: layout ? ctx.t("signage.layout.edit", { name: layout.name }) : ctx.t("signage.layout.create"),
      fields: layoutFields(ctx, templates, { withCode: !layout }),
      values: { ...valuesOf(start), template: start?.builtin ? start.code : "", name: layout ? layout.name : "" },
      submitLabel: layout ? ctx.t("console.save") : ctx.t("console.create"),
      wide: true,
      onSubmit: (values) => {
        const body = layoutBody(values, templates);
        return layout ? api.put(`/layouts/${encodeURIComponent(layout.code)}`, body) : api.post("/layouts", body);
      },
    });
    if (saved) {
      savedToast(ctx);
      redraw();
    }
  }

  async function remove(layout) {
    const ok = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: layout.name }), message: ctx.t("signage.layout.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
    if (!ok) return;
    await api.delete(`/layouts/${encodeURIComponent(layout.code)}`);
    ctx.toast(ctx.t("console.deleted"), { tone: "success" });
    redraw();
  }

  const body = frame(ctx, {
    title: ctx.t("signage.layouts.title"),
    lead: ctx.t("signage.layouts.lead"),
    actions: [button({ label: ctx.t("signage.layout.create"), icon: "plus", variant: "primary", "data-action": "create-layout", onClick: () => open(null) })],
  });
  body.append(panel({ title: ctx.t("signage.layouts.list"), id: "layouts" }, list));
  redraw = drawInto(ctx, list, async () => {
    const layouts = await allItems(api, "/layouts");
    templates = layouts.filter((l) => l.builtin);
    return dataTable({
      caption: ctx.t("signage.layouts.list"),
      rows: layouts,
      rowKey: (l) => l.code,
      empty: ctx.t("signage.layouts.none"),
      columns: [
        { label: ctx.t("signage.layout.preview"), render: (l) => preview(ctx, l) },
        { label: ctx.t("signage.layout.name"), render: (l) => [l.name, " ", h("span", { class: "mono muted" }, l.code), l.builtin ? h("span", { class: "badge" }, ctx.t("signage.layout.builtin")) : null] },
        { label: ctx.t("signage.screen.orientation"), render: (l) => ctx.t(`signage.orientation.${l.orientation}`) },
        { label: ctx.t("signage.layout.regions"), render: (l) => l.regions.map((r) => `${r.name} (${ctx.t(`signage.region.${r.kind}`)})`).join(", ") },
        {
          label: ctx.t("console.actions"),
          render: (l) =>
            h(
              "div",
              { class: "cluster" },
              l.builtin
                ? button({ label: ctx.t("signage.layout.copy"), "data-action": "copy", "aria-label": ctx.t("signage.layout.copyNamed", { name: l.name }), onClick: () => open(null, l) })
                : [
                    button({ label: ctx.t("console.edit"), "data-action": "edit", "aria-label": ctx.t("signage.layout.editNamed", { name: l.name }), onClick: () => open(l) }),
                    button({ label: ctx.t("console.delete"), variant: "danger", "data-action": "delete", "aria-label": ctx.t("signage.layout.deleteNamed", { name: l.name }), onClick: () => remove(l) }),
                  ],
            ),
        },
      ],
    });
  });
  await redraw();
}

export default { id: "signage-layouts", path: "/signage/layouts", title: "signage.layouts.title", messages: MESSAGES, render };
