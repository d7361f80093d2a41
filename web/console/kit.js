// The console's building blocks, shared by every section's views: calls to the chosen station's
// services, page headers and section tabs, tables, forms (inline or in a dialog) that keep what was
// typed through an ended sign-in, live reads, relative times and pagers. Views stay declarative:
// they say which fields and columns they have, this module draws and wires them.

import { h, replace, uid } from "../common/dom.js";
import { ApiError } from "../common/errors.js";
import { i18n, t } from "../common/i18n.js";
import { Pager } from "../common/pages.js";
import { button, field, openDialog, problemNotice, whileBusy } from "../common/ui.js";

// -- The station's services ---------------------------------------------------------------------------

/**
 * serviceApi(ctx, "signage").get("/screens") calls /api/v1/stations/<chosen station>/signage/screens
 * with the operator's token (sign-in asked again over the view when it has ended), cancelled when
 * the view is left. Options are those of Api.request (query, headers, signal...).
 */
export function serviceApi(ctx, service) {
  const base = `/api/v1/stations/${encodeURIComponent(ctx.station.slug)}/${service}`;
  const options = (extra = {}) => ({ auth: "required", signal: ctx.signal, ...extra });
  return {
    base,
    path: (path = "") => `${base}${path}`,
    get: (path, extra) => ctx.api.get(`${base}${path}`, options(extra)),
    post: (path, json, extra) => ctx.api.post(`${base}${path}`, json, options(extra)),
    put: (path, json, extra) => ctx.api.put(`${base}${path}`, json, options(extra)),
    patch: (path, json, extra) => ctx.api.patch(`${base}${path}`, json, options(extra)),
    delete: (path, extra) => ctx.api.delete(`${base}${path}`, options(extra)),
    /** A raw request (a file upload): the Response of Api.fetch. */
    fetch: (path, extra) => ctx.api.fetch(`${base}${path}`, options(extra)),
  };
}

/**
 * Poll a read of the station every `interval` ms (conditional GETs, backoff on errors) until the
 * view is left. onData(data) at first and on change; onError(error) when a read fails (the last
 * data stays on screen, marked stale by the caller).
 * @param {any} ctx
 * @param {string} path
 * @param {{ interval?: number, onData?: (data: any) => void, onError?: (error: any) => void, query?: Record<string, any> }} [options]
 */
export function livePoll(ctx, path, { interval = 5000, onData, onError, query } = {}) {
  return ctx.api.poll(path, { interval, hiddenInterval: interval * 6, onData, onError, query, auth: "required", signal: ctx.signal });
}

// -- Page structure -------------------------------------------------------------------------------------

/**
 * The view's heading (h1#view-title, focused by the router) with its actions at the end.
 * @param {{ title: any, lead?: any, actions?: any[] }} options
 */
export function pageHeader({ title, lead, actions = [] }) {
  return h(
    "header",
    { class: "page-header" },
    h("div", { class: "page-header__text" }, h("h1", { id: "view-title", tabindex: "-1" }, title), lead && (lead instanceof Node ? lead : h("p", { class: "muted" }, lead))),
    actions.length > 0 && h("div", { class: "page-header__actions cluster" }, actions),
  );
}

/** Links between the views of one section (Signage: screens, content...), the current one marked. */
export function sectionTabs(ctx, { label, items }) {
  // The current tab is the one whose path is the longest prefix of the view's ("/lockers/parcels/7"
  // is under "Parcels", not under "/lockers").
  const matching = items.filter((item) => ctx.path === item.path || ctx.path.startsWith(`${item.path}/`));
  const current = matching.sort((a, b) => b.path.length - a.path.length)[0];
  return h(
    "nav",
    { class: "section-tabs", "aria-label": label },
    h(
      "ul",
      null,
      items.map((item) =>
        h(
          "li",
          null,
          h(
            "a",
            {
              href: ctx.router.href(item.path),
              "aria-current": item === current ? "page" : null,
              dataset: { tab: item.id },
            },
            item.label,
          ),
        ),
      ),
    ),
  );
}

/**
 * A titled block of a page (h2), with optional actions beside the title.
 * @param {{ title: any, actions?: any[], id?: string, className?: string }} options
 * @param {...any} children
 */
export function panel({ title, actions = [], id, className }, ...children) {
  const headingId = id ? `${id}-title` : uid("panel");
  return h(
    "section",
    { class: ["panel", className].filter(Boolean).join(" "), id: id ?? null, "aria-labelledby": headingId },
    h("div", { class: "panel__header" }, h("h2", { class: "panel__title", id: headingId }, title), actions.length > 0 && h("div", { class: "cluster" }, actions)),
    children,
  );
}

// -- Tables -----------------------------------------------------------------------------------------------

/**
 * dataTable({caption, columns: [{label, render(row) -> Node|text, className, numeric}], rows,
 * rowKey(row), empty}) -> a <table> with a visible or hidden caption. Rows carry data-key.
 * @param {{ caption?: any, captionHidden?: boolean, columns: Column[], rows: any[], rowKey?: (row: any) => any, empty?: any, className?: string }} options
 */
export function dataTable({ caption, captionHidden = true, columns, rows, rowKey = (row) => row.id ?? row.code, empty = t("console.empty"), className }) {
  if (!rows.length) return h("p", { class: "empty-line muted" }, empty);
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { class: ["table", className].filter(Boolean).join(" ") },
      caption && h("caption", { class: captionHidden ? "visually-hidden" : null }, caption),
      h("thead", null, h("tr", null, columns.map((column) => h("th", { scope: "col", class: column.numeric ? "numeric" : column.className ?? null }, column.label)))),
      h(
        "tbody",
        null,
        rows.map((row) =>
          h(
            "tr",
            { dataset: { key: rowKey(row) } },
            columns.map((column, index) => {
              const cell = column.render(row);
              const props = { class: column.numeric ? "numeric" : column.className ?? null };
              return index === 0 && column.header !== false ? h("th", { scope: "row", ...props }, cell) : h("td", props, cell);
            }),
          ),
        ),
      ),
    ),
  );
}

/**
 * A column of dataTable: its heading, what a row shows in it, and how it is aligned.
 * @typedef {{ label: any, render: (row: any) => any, className?: string, numeric?: boolean, header?: boolean }} Column
 */

/**
 * "Show more" under a list: onMore() reads the next page (the button is busy meanwhile).
 * @param {() => Promise<any>} onMore
 */
export function moreButton(onMore) {
  return h("div", { class: "pager" }, button({ label: t("console.more"), icon: "chevron", onClick: (event) => whileBusy(event.currentTarget, onMore) }));
}

/**
 * A list of the station that grows page by page ("show more"): the rows read so far stay, the next
 * page goes under them. `reader` and `path` as for pages.js (serviceApi(ctx, "lockers"), "/parcels"),
 * `query` its filters. The first page is read when start() is called; table(rows) draws the rows.
 * @param {{ reader: import("../common/pages.js").Reader, path: string, query?: Record<string, any>, limit?: number, table: (rows: any[]) => any }} options
 * @returns {HTMLElement & { start(): Promise<void> }}
 */
export function pagedList({ reader, path, query, limit, table }) {
  const pager = new Pager(reader, path, { query, limit });
  const root = h("div", { class: "paged-list" });
  const draw = () => replace(root, table(pager.items), pager.hasMore ? moreButton(more) : null);
  async function more() {
    await pager.more();
    draw();
  }
  root.start = more;
  return root;
}

// -- Status, times ------------------------------------------------------------------------------------------

const TONES = {
  ok: "success", up: "success", online: "success", active: "info", free: "success", ready: "success",
  stale: "warning", behind: "warning", occupied: "info", reserved: "info", degraded: "warning", expiring: "warning",
  failing: "danger", down: "danger", offline: "danger", out_of_service: "danger", fault: "danger", error: "danger",
};

/** A badge for a state word ("ok", "offline"...): its tone from the word, its text from the caller. */
export function stateBadge(state, text = state) {
  return h("span", { class: `badge ${TONES[state] ? `badge--${TONES[state]}` : ""}`.trim(), dataset: { state } }, text);
}

/** "il y a 3 min" for an ISO time, in a <time> with the full date as its tooltip; "—" when none. */
export function when(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  return h("time", { datetime: iso, title: i18n.formatDateTime(iso) }, i18n.formatRelative(iso));
}

/**
 * A count that reads well in a summary tile: big number, label under it, tone.
 * @param {{ value: any, label: any, tone?: string | null, id?: string, href?: string }} options
 */
export function metric({ value, label, tone = null, id, href }) {
  const body = [h("span", { class: "metric__value" }, typeof value === "number" ? i18n.formatNumber(value) : value), h("span", { class: "metric__label" }, label)];
  const props = { class: `metric${tone ? ` metric--${tone}` : ""}`, id: id ?? null };
  return href ? h("a", { ...props, href }, body) : h("div", props, body);
}

// -- Forms --------------------------------------------------------------------------------------------------

/**
 * A control for a field description:
 * {name, label, type: text|number|textarea|select|checkbox|datetime-local|date|time|file|multiselect|color,
 *  options: [{value, label}], required, hint, placeholder, min, max, step, pattern, accept, rows, lang, dir}
 */
function control(spec, value) {
  const common = { name: spec.name, required: Boolean(spec.required), placeholder: spec.placeholder ?? null, lang: spec.lang ?? null, dir: spec.dir ?? null, autocomplete: spec.autocomplete ?? "off" };
  switch (spec.type) {
    case "textarea":
      return h("textarea", { class: "input textarea", rows: spec.rows ?? 3, ...common, value: value ?? "" });
    case "select":
      return h(
        "select",
        { class: "select", ...common },
        !spec.required && h("option", { value: "" }, spec.emptyLabel ?? "—"),
        spec.options.map((option) => h("option", { value: option.value, selected: String(value ?? "") === String(option.value) }, option.label)),
      );
    case "multiselect":
      return h(
        "fieldset",
        { class: "checks", dataset: { name: spec.name } },
        h("legend", { class: "visually-hidden" }, spec.label),
        spec.options.map((option) =>
          h("label", { class: "check" }, h("input", { type: "checkbox", name: spec.name, value: option.value, checked: (value ?? []).map(String).includes(String(option.value)) }), option.label),
        ),
      );
    case "checkbox":
      return h("input", { type: "checkbox", name: spec.name, class: "checkbox", checked: Boolean(value) });
    case "file":
      return h("input", { type: "file", class: "input", name: spec.name, accept: spec.accept ?? null, required: Boolean(spec.required) });
    default:
      return h("input", {
        class: "input",
        type: spec.type ?? "text",
        ...common,
        value: value ?? "",
        min: spec.min ?? null,
        max: spec.max ?? null,
        step: spec.step ?? null,
        pattern: spec.pattern ?? null,
        inputmode: spec.inputmode ?? null,
        spellcheck: spec.spellcheck ?? null,
      });
  }
}

function readControl(spec, element) {
  if (spec.type === "checkbox") return element.checked;
  if (spec.type === "multiselect") return [...element.querySelectorAll("input:checked")].map((box) => box.value);
  if (spec.type === "file") return element.files?.[0] ?? null;
  const raw = element.value;
  if (spec.type === "number") return raw === "" ? null : Number(raw);
  if (spec.type === "list") return raw.split(",").map((item) => item.trim()).filter(Boolean);
  return spec.trim === false ? raw : raw.trim() === "" ? null : raw.trim();
}

/**
 * form({fields, values, submitLabel, onSubmit(values), onCancel, extra}) -> <form>.
 * onSubmit may throw an ApiError: its field errors go under the fields (matched on the last
 * part of the dotted name, or a field's `errorKeys`), the rest in a notice; nothing typed is lost.
 * A field of type "list" is a comma-separated text read as an array.
 * @param {{ fields: Array<Record<string, any>>, values?: Record<string, any>, submitLabel?: any, onSubmit: (values: Record<string, any>) => any, onCancel?: () => void, extra?: any, className?: string }} options
 */
export function form({ fields, values = {}, submitLabel, onSubmit, onCancel, extra = null, className }) {
  const entries = fields.map((spec) => {
    const shown = spec.type === "list" ? (values[spec.name] ?? []).join(", ") : values[spec.name];
    const element = control({ ...spec, type: spec.type === "list" ? "text" : spec.type }, shown);
    if (spec.type === "multiselect" || spec.type === "checkbox") {
      const wrapper =
        spec.type === "checkbox"
          ? h("div", { class: "field field--check" }, h("label", { class: "check" }, element, spec.label), spec.hint && h("p", { class: "field__hint" }, spec.hint))
          : h("div", { class: "field" }, h("p", { class: "field__label", "aria-hidden": "true" }, spec.label), element);
      const error = h("p", { class: "field__error", hidden: true });
      wrapper.append(error);
      wrapper.setError = (text) => {
        error.textContent = text ?? "";
        error.hidden = !text;
      };
      return { spec, element, wrapper };
    }
    return { spec, element, wrapper: field({ label: spec.label, hint: spec.hint, control: element }) };
  });
  const problem = h("div", { class: "form__problem" });
  const submit = h("button", { type: "submit", class: "button button--primary", dataset: { action: "submit" } }, submitLabel ?? t("console.save"));
  const cancel = onCancel && h("button", { type: "button", class: "button", dataset: { action: "cancel" }, onClick: onCancel }, t("common.cancel"));
  const root = h(
    "form",
    { class: ["form stack", className].filter(Boolean).join(" "), novalidate: true },
    h("div", { class: "form__fields" }, entries.map((entry) => entry.wrapper)),
    extra,
    problem,
    h("div", { class: "form__actions cluster" }, submit, cancel),
  );
  root.values = () => Object.fromEntries(entries.map(({ spec, element }) => [spec.name, readControl(spec, element)]));
  root.dirty = false;
  root.addEventListener("input", () => {
    root.dirty = true;
  });
  root.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.replaceChildren();
    for (const entry of entries) entry.wrapper.setError(null);
    const missing = entries.find(({ spec, element }) => spec.required && spec.type !== "checkbox" && spec.type !== "multiselect" && !readControl(spec, element));
    if (missing) {
      missing.wrapper.setError(t("console.required"));
      missing.element.focus();
      return;
    }
    try {
      await whileBusy(submit, () => onSubmit(root.values()));
      root.dirty = false;
    } catch (error) {
      if (error?.name === "AbortError") return;
      let placed = false;
      if (error instanceof ApiError) {
        for (const problemField of error.errors) {
          const name = String(problemField.field ?? "");
          const entry = entries.find(({ spec }) => (spec.errorKeys ?? [spec.name]).some((key) => name === key || name.startsWith(`${key}.`) || name.split(".").pop() === key));
          if (entry) {
            entry.wrapper.setError(problemField.detail);
            placed = true;
          }
        }
      }
      if (!placed || !(error instanceof ApiError) || error.status !== 422) problem.replaceChildren(problemNotice(error));
      const invalid = root.querySelector("[aria-invalid=true]");
      invalid?.focus();
    }
  });
  return root;
}

/**
 * formDialog({title, fields, values, submitLabel, onSubmit}) -> Promise of onSubmit's result, or
 * null when dismissed. The dialog stays open (with what was typed) until onSubmit succeeds.
 * @param {{ title: any, fields: Array<Record<string, any>>, values?: Record<string, any>, submitLabel?: any, onSubmit: (values: Record<string, any>) => any, extra?: any, wide?: boolean }} options
 * @returns {Promise<any>}
 */
export function formDialog({ title, fields, values, submitLabel, onSubmit, extra, wide = false }) {
  let dialogControl = null;
  const body = form({
    fields,
    values,
    submitLabel,
    extra,
    onSubmit: async (typed) => {
      const result = await onSubmit(typed);
      dialogControl.close(result ?? true);
    },
    onCancel: () => dialogControl.close(null),
  });
  dialogControl = openDialog({ title, body, className: wide ? "dialog--wide" : null });
  // The dialog's own <form method=dialog> must not swallow the inner form's submit.
  body.querySelector("input, select, textarea")?.focus();
  return dialogControl.closed;
}

/** A short "saved" mark announced to screen readers, for lists edited in place. */
export function savedToast(ctx, message = t("console.saved")) {
  ctx.toast(message, { tone: "success" });
}

/** A localized text of the API ({"fr": "...", "en": "..."}) in the console's language. */
export function localized(value) {
  if (value == null) return "";
  if (typeof value === "string") return value;
  return value[i18n.locale] ?? value.fr ?? value.en ?? Object.values(value)[0] ?? "";
}

// -- The station's wall time ------------------------------------------------------------------------------

/** How far `timeZone` is ahead of UTC at `date`, in minutes. */
function zoneOffset(date, timeZone) {
  /** @type {Record<string, string>} */
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  const [year, month, day, hour, minute, second] = ["year", "month", "day", "hour", "minute", "second"].map((type) => Number(parts[type]));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return Math.round((asUtc - date.getTime()) / 60000);
}

/**
 * "2026-11-27T08:30" typed in a datetime-local input, read as the station's wall time (the
 * console shows every time in the station's zone), as ISO 8601 with that zone's offset.
 */
export function stationTimeToIso(local, timeZone = i18n.timeZone) {
  const [date, time] = local.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // The offset at the instant itself: twice, for the hours around a change of summer time.
  let offset = zoneOffset(new Date(wall), timeZone);
  offset = zoneOffset(new Date(wall - offset * 60000), timeZone);
  const sign = offset < 0 ? "-" : "+";
  const pad = (n) => String(Math.abs(n)).padStart(2, "0");
  return `${date}T${pad(hour)}:${pad(minute)}:00${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}
