// Live departures: the station's real-time sources (SIRI Lite, GTFS-Realtime) with how each is doing
// (fresh, stale, failing and why), the rules that place disruptions on screens, and the disruptions
// that hold now, each silenced or overridden here.

import { h, replace } from "../../common/dom.js";
import { Pager } from "../../common/pages.js";
import { button, problemNotice } from "../../common/ui.js";
import { dataTable, formDialog, moreButton, pageHeader, panel, savedToast, stateBadge, when } from "../kit.js";
import { kioskApi, tabs } from "./common.js";

const PAGE = 50;
export const SOURCE_KINDS = ["siri-lite", "gtfs-rt"];
export const STOP_MODES = ["metro", "rer", "tram", "bus"];
export const SEVERITIES = ["info", "warning", "severe"];
export const REACHES = ["alert", "ticker", "none"];

/**
 * The feed's stops, one a line: `ref | stop code | stop name | mode | exit code (optional)`.
 * @param {string} text
 * @returns {Array<{ref: string, stop_code: string, stop_name: string, mode: string, exit_code: string | null}>}
 */
export function parseStops(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [ref = "", stop_code = "", stop_name = "", mode = "", exit_code = ""] = line.split("|").map((part) => part.trim());
      return { ref, stop_code, stop_name, mode, exit_code: exit_code || null };
    });
}

/**
 * @param {Array<{ref: string, stop_code: string, stop_name: string, mode: string, exit_code?: string | null}>} stops
 * @returns {string}
 */
export const stopsText = (stops) => stops.map((s) => [s.ref, s.stop_code, s.stop_name, s.mode, s.exit_code ?? ""].join(" | ").replace(/ \| $/, "")).join("\n");

/**
 * The feed's lines, one a line: `ref | name shown | #colour (optional)`.
 * @param {string} text
 * @returns {Array<{ref: string, name: string, color: string | null}>}
 */
export function parseLines(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [ref = "", name = "", color = ""] = line.split("|").map((part) => part.trim());
      return { ref, name, color: color || null };
    });
}

/**
 * @param {Array<{ref: string, name: string, color?: string | null}>} lines
 * @returns {string}
 */
export const linesText = (lines) => lines.map((l) => [l.ref, l.name, l.color ?? ""].join(" | ").replace(/ \| $/, "")).join("\n");

const options = (ctx, values, prefix) => values.map((value) => ({ value, label: ctx.t(`${prefix}.${value}`) }));

function editSource(ctx, source = null) {
  const kiosk = kioskApi(ctx);
  return formDialog({
    title: source ? ctx.t("kiosk.departures.source.editTitle", { code: source.code }) : ctx.t("kiosk.departures.source.createTitle"),
    wide: true,
    fields: [
      !source && { name: "code", label: ctx.t("kiosk.code"), hint: ctx.t("kiosk.codeHint"), required: true, spellcheck: "false" },
      { name: "name", label: ctx.t("kiosk.departures.source.name"), required: true },
      { name: "kind", type: "select", label: ctx.t("kiosk.departures.source.kind"), options: options(ctx, SOURCE_KINDS, "kiosk.departures.kind"), required: true },
      { name: "url", type: "url", label: ctx.t("kiosk.departures.source.url"), hint: ctx.t("kiosk.departures.source.urlHint"), required: true, spellcheck: "false" },
      { name: "messages_url", type: "url", label: ctx.t("kiosk.departures.source.messagesUrl"), hint: ctx.t("kiosk.departures.source.messagesUrlHint"), spellcheck: "false" },
      { name: "stops", type: "textarea", rows: 4, label: ctx.t("kiosk.departures.source.stops"), hint: ctx.t("kiosk.departures.source.stopsHint"), required: true, spellcheck: "false" },
      { name: "lines", type: "textarea", rows: 3, label: ctx.t("kiosk.departures.source.lines"), hint: ctx.t("kiosk.departures.source.linesHint"), spellcheck: "false" },
      { name: "poll_seconds", type: "number", label: ctx.t("kiosk.departures.source.poll"), min: 5, max: 3600, step: 1, required: true },
      { name: "ttl_seconds", type: "number", label: ctx.t("kiosk.departures.source.ttl"), hint: ctx.t("kiosk.departures.source.ttlHint"), min: 10, max: 86400, step: 1, required: true },
      { name: "enabled", type: "checkbox", label: ctx.t("kiosk.departures.source.enabled") },
    ].filter(Boolean),
    values: source
      ? { ...source, messages_url: source.messages_url ?? "", stops: stopsText(source.stops), lines: linesText(source.lines) }
      : { kind: "siri-lite", poll_seconds: 30, ttl_seconds: 120, enabled: true },
    submitLabel: source ? ctx.t("console.save") : ctx.t("console.create"),
    onSubmit: (values) => {
      const body = {
        name: values.name,
        kind: values.kind,
        url: values.url,
        messages_url: values.messages_url || null,
        stops: parseStops(values.stops ?? ""),
        lines: parseLines(values.lines ?? ""),
        poll_seconds: values.poll_seconds,
        ttl_seconds: values.ttl_seconds,
        enabled: values.enabled,
      };
      return source ? kiosk.patch(`/departure-sources/${encodeURIComponent(source.code)}`, body) : kiosk.post("/departure-sources", { code: values.code, ...body });
    },
  });
}

function editRule(ctx, rule = null) {
  const kiosk = kioskApi(ctx);
  return formDialog({
    title: rule ? ctx.t("kiosk.departures.rule.editTitle", { code: rule.code }) : ctx.t("kiosk.departures.rule.createTitle"),
    fields: [
      !rule && { name: "code", label: ctx.t("kiosk.code"), hint: ctx.t("kiosk.codeHint"), required: true, spellcheck: "false" },
      { name: "name", label: ctx.t("kiosk.departures.rule.name"), required: true },
      { name: "priority", type: "number", label: ctx.t("kiosk.departures.rule.priority"), hint: ctx.t("kiosk.departures.rule.priorityHint"), min: 0, max: 10000, step: 1, required: true },
      { name: "lines", type: "list", label: ctx.t("kiosk.departures.rule.lines"), hint: ctx.t("kiosk.departures.rule.anyHint") },
      { name: "stops", type: "list", label: ctx.t("kiosk.departures.rule.stops"), hint: ctx.t("kiosk.departures.rule.anyHint") },
      { name: "severities", type: "multiselect", label: ctx.t("kiosk.departures.rule.severities"), options: options(ctx, SEVERITIES, "kiosk.departures.severity") },
      { name: "reach", type: "select", label: ctx.t("kiosk.departures.rule.reach"), options: options(ctx, REACHES, "kiosk.departures.reach"), required: true },
    ].filter(Boolean),
    values: rule ?? { priority: 100, reach: "ticker", severities: [] },
    submitLabel: rule ? ctx.t("console.save") : ctx.t("console.create"),
    onSubmit: (values) => {
      const { code, ...body } = values;
      return rule ? kiosk.patch(`/disruption-rules/${encodeURIComponent(rule.code)}`, body) : kiosk.post("/disruption-rules", { code, ...body });
    },
  });
}

function overrideDisruption(ctx, disruption) {
  const kiosk = kioskApi(ctx);
  return formDialog({
    title: ctx.t("kiosk.departures.disruption.overrideTitle"),
    fields: [
      { name: "reach", type: "select", label: ctx.t("kiosk.departures.rule.reach"), options: options(ctx, REACHES, "kiosk.departures.reach"), emptyLabel: ctx.t("kiosk.departures.disruption.byRules") },
      { name: "text", label: ctx.t("kiosk.departures.disruption.text"), hint: ctx.t("kiosk.departures.disruption.textHint"), lang: "fr" },
    ],
    values: { reach: disruption.overridden ? disruption.reach : "", text: disruption.overridden ? disruption.text.fr ?? "" : "" },
    submitLabel: ctx.t("console.save"),
    onSubmit: (values) => kiosk.patch(`/disruptions/${disruption.id}`, { reach: values.reach || null, text: values.text ? { fr: values.text } : null }),
  });
}

const textOf = (texts) => texts.fr ?? Object.values(texts)[0] ?? "";

export default {
  id: "kiosk-departures",
  path: "/kiosk/departures",
  title: "kiosk.departures.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const problem = h("div", { id: "departures-problem" });
    const saved = (result) => result && (savedToast(ctx), ctx.router.render());
    const act = async (run) => {
      try {
        await run();
        ctx.router.render();
      } catch (error) {
        if (error?.name !== "AbortError") replace(problem, problemNotice(error));
      }
    };
    const remove = async (path, name) => {
      const sure = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name }), message: ctx.t("kiosk.departures.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
      if (sure) await act(() => kiosk.delete(path));
    };
    const sourcesBody = h("div", { class: "panel__body" });
    const rulesBody = h("div", { class: "panel__body" });
    const disruptionsBody = h("div", { class: "panel__body" });
    ctx.root.append(
      pageHeader({
        title: ctx.t("kiosk.departures.title"),
        lead: ctx.t("kiosk.departures.lead"),
        actions: [button({ label: ctx.t("kiosk.departures.source.create"), icon: "plus", variant: "primary", id: "create-source", onClick: async () => saved(await editSource(ctx)) })],
      }),
      tabs(ctx),
      problem,
      panel({ title: ctx.t("kiosk.departures.sources"), id: "sources" }, sourcesBody),
      panel({ title: ctx.t("kiosk.departures.disruptions"), id: "disruptions" }, disruptionsBody),
      panel(
        { title: ctx.t("kiosk.departures.rules"), id: "rules", actions: [button({ label: ctx.t("kiosk.departures.rule.create"), icon: "plus", id: "create-rule", onClick: async () => saved(await editRule(ctx)) })] },
        h("p", { class: "muted" }, ctx.t("kiosk.departures.rulesLead")),
        rulesBody,
      ),
    );

    const sources = new Pager(kiosk, "/departure-sources", { limit: PAGE });
    const drawSources = () =>
      replace(
        sourcesBody,
        dataTable({
          caption: ctx.t("kiosk.departures.sources"),
          rows: sources.items,
          empty: ctx.t("kiosk.departures.noSources"),
          columns: [
            {
              label: ctx.t("kiosk.departures.source.name"),
              render: (s) => h("div", { class: "source-name" }, h("span", {}, s.name), h("span", { class: "mono muted" }, `${s.code} · ${ctx.t(`kiosk.departures.kind.${s.kind}`)}`)),
            },
            {
              label: ctx.t("kiosk.departures.source.state"),
              render: (s) =>
                h(
                  "div",
                  { class: "source-state" },
                  stateBadge(s.state, ctx.t(`kiosk.departures.state.${s.state}`)),
                  s.reason && h("span", { class: "source-state__reason", dataset: { reason: s.code } }, s.reason),
                  s.problems.length > 0 &&
                    h("details", {}, h("summary", {}, ctx.t("kiosk.departures.source.skipped", { count: s.problems.length })), h("ul", {}, s.problems.map((p) => h("li", { class: "mono" }, p)))),
                ),
            },
            { label: ctx.t("kiosk.departures.source.updated"), render: (s) => when(s.updated_at) },
            { label: ctx.t("kiosk.departures.source.departures"), numeric: true, render: (s) => ctx.i18n.formatNumber(s.departures) },
            {
              label: ctx.t("console.actions"),
              render: (s) =>
                h(
                  "div",
                  { class: "cluster" },
                  button({ label: ctx.t("console.edit"), dataset: { action: "edit" }, "aria-label": ctx.t("kiosk.editNamed", { name: s.name }), onClick: async () => saved(await editSource(ctx, s)) }),
                  button({ label: ctx.t("console.delete"), dataset: { action: "delete" }, "aria-label": ctx.t("kiosk.deleteNamed", { name: s.name }), onClick: () => remove(`/departure-sources/${encodeURIComponent(s.code)}`, s.name) }),
                ),
            },
          ],
        }),
        sources.hasMore && moreButton(async () => (await sources.more(), drawSources())),
      );

    const disruptions = new Pager(kiosk, "/disruptions", { query: { state: "all" }, limit: PAGE });
    const drawDisruptions = () =>
      replace(
        disruptionsBody,
        dataTable({
          caption: ctx.t("kiosk.departures.disruptions"),
          rows: disruptions.items,
          empty: ctx.t("kiosk.departures.noDisruptions"),
          columns: [
            { label: ctx.t("kiosk.departures.disruption.text"), render: (d) => textOf(d.text) },
            { label: ctx.t("kiosk.departures.rule.lines"), render: (d) => d.lines.join(", ") || "—" },
            { label: ctx.t("kiosk.departures.disruption.source"), render: (d) => h("span", { class: "mono" }, d.source_code) },
            { label: ctx.t("kiosk.departures.rule.severities"), render: (d) => ctx.t(`kiosk.departures.severity.${d.severity}`) },
            { label: ctx.t("kiosk.departures.rule.reach"), render: (d) => [ctx.t(`kiosk.departures.reach.${d.reach}`), d.overridden ? [" ", h("span", { class: "muted" }, ctx.t("kiosk.departures.disruption.overridden"))] : null] },
            { label: ctx.t("kiosk.departures.source.state"), render: (d) => stateBadge(d.state === "active" ? "active" : "stale", ctx.t(`kiosk.departures.disruption.${d.state}`)) },
            { label: ctx.t("kiosk.departures.disruption.raised"), render: (d) => when(d.raised_at) },
            {
              label: ctx.t("console.actions"),
              render: (d) =>
                d.state === "cleared"
                  ? "—"
                  : h(
                      "div",
                      { class: "cluster" },
                      d.state === "active"
                        ? button({ label: ctx.t("kiosk.departures.disruption.silence"), dataset: { action: "silence" }, onClick: () => act(() => kiosk.patch(`/disruptions/${d.id}`, { silenced: true })) })
                        : button({ label: ctx.t("kiosk.departures.disruption.unsilence"), dataset: { action: "unsilence" }, onClick: () => act(() => kiosk.patch(`/disruptions/${d.id}`, { silenced: false })) }),
                      button({ label: ctx.t("kiosk.departures.disruption.override"), dataset: { action: "override" }, onClick: async () => saved(await overrideDisruption(ctx, d)) }),
                    ),
            },
          ],
        }),
        disruptions.hasMore && moreButton(async () => (await disruptions.more(), drawDisruptions())),
      );

    const rules = new Pager(kiosk, "/disruption-rules", { limit: PAGE });
    const any = ctx.t("kiosk.departures.rule.any");
    const drawRules = () =>
      replace(
        rulesBody,
        dataTable({
          caption: ctx.t("kiosk.departures.rules"),
          rows: [...rules.items].sort((a, b) => a.priority - b.priority || a.code.localeCompare(b.code)),
          empty: ctx.t("kiosk.departures.noRules"),
          columns: [
            { label: ctx.t("kiosk.departures.rule.priority"), numeric: true, render: (r) => ctx.i18n.formatNumber(r.priority) },
            { label: ctx.t("kiosk.departures.rule.name"), render: (r) => [r.name, " ", h("span", { class: "mono muted" }, r.code)] },
            { label: ctx.t("kiosk.departures.rule.lines"), render: (r) => r.lines.join(", ") || any },
            { label: ctx.t("kiosk.departures.rule.stops"), render: (r) => r.stops.join(", ") || any },
            { label: ctx.t("kiosk.departures.rule.severities"), render: (r) => r.severities.map((s) => ctx.t(`kiosk.departures.severity.${s}`)).join(", ") || any },
            { label: ctx.t("kiosk.departures.rule.reach"), render: (r) => ctx.t(`kiosk.departures.reach.${r.reach}`) },
            {
              label: ctx.t("console.actions"),
              render: (r) =>
                h(
                  "div",
                  { class: "cluster" },
                  button({ label: ctx.t("console.edit"), dataset: { action: "edit" }, "aria-label": ctx.t("kiosk.editNamed", { name: r.name }), onClick: async () => saved(await editRule(ctx, r)) }),
                  button({ label: ctx.t("console.delete"), dataset: { action: "delete" }, "aria-label": ctx.t("kiosk.deleteNamed", { name: r.name }), onClick: () => remove(`/disruption-rules/${encodeURIComponent(r.code)}`, r.name) }),
                ),
            },
          ],
        }),
        rules.hasMore && moreButton(async () => (await rules.more(), drawRules())),
      );

    await Promise.all([sources.more(), disruptions.more(), rules.more()]);
    drawSources();
    drawDisruptions();
    drawRules();
  },
};
