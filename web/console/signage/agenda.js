// The station's agenda: its events (concerts, performances, a trade fair nearby), with their dates
// in the station's time, place and texts in French and English, cancelled or taken off; an event
// may set the station's welcome for its dates (the languages screens rotate, the kiosk's, a playlist).
// The welcome in force now heads the page; the iCalendar feed that travellers subscribe to is linked.

import { calendarUrl, whenText } from "../../common/agenda.js";
import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button, choice } from "../../common/ui.js";
import { dataTable, formDialog, localized, pagedList, panel, savedToast, stateBadge, stationTimeToIso } from "../kit.js";
import { drawInto, frame, MESSAGES, signageApi } from "./shared.js";

const KINDS = ["concert", "performance", "exhibition", "fair", "other"];
const TEXT_LANGUAGES = ["fr", "en"];
const PAGE_SIZE = 20;
// "Everything" starts where the API's dates do.
const EARLIEST = "2000-01-01T00:00:00Z";

/**
 * An instant as the station's wall time for a datetime-local input ("2026-12-12T19:30").
 * @param {string} iso
 * @param {string} timeZone
 */
export function stationLocal(iso, timeZone) {
  /** @type {Record<string, string>} */
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function eventFields(ctx, playlists, { withCode }) {
  const t = ctx.t;
  return [
    withCode && { name: "code", label: t("signage.event.code"), required: true, hint: t("signage.codeHint"), spellcheck: "false" },
    { name: "kind", label: t("signage.event.kind"), type: "select", required: true, options: KINDS.map((value) => ({ value, label: t(`signage.event.kind.${value}`) })) },
    ...TEXT_LANGUAGES.map((lang) => ({ name: `title_${lang}`, label: t(`signage.event.title.${lang}`), required: lang === "fr", lang, errorKeys: [lang === "fr" ? "title" : `title.${lang}`] })),
    ...TEXT_LANGUAGES.map((lang) => ({ name: `description_${lang}`, label: t(`signage.event.description.${lang}`), type: "textarea", rows: 3, lang, errorKeys: [`description.${lang}`] })),
    { name: "starts_at", label: t("signage.event.starts"), type: "datetime-local", required: true },
    { name: "ends_at", label: t("signage.event.ends"), type: "datetime-local", required: true },
    { name: "all_day", label: t("signage.event.allDay"), type: "checkbox", hint: t("signage.event.allDayHint") },
    { name: "place_name", label: t("signage.event.place"), hint: t("signage.event.placeHint"), errorKeys: ["place", "name"] },
    { name: "place_lat", label: t("signage.event.lat"), type: "number", step: "any", min: -90, max: 90, errorKeys: ["lat"] },
    { name: "place_lon", label: t("signage.event.lon"), type: "number", step: "any", min: -180, max: 180, errorKeys: ["lon"] },
    { name: "url", label: t("signage.event.url"), type: "url", placeholder: "https://" },
    { name: "status", label: t("signage.event.status"), type: "select", required: true, options: ["scheduled", "cancelled"].map((value) => ({ value, label: t(`signage.event.status.${value}`) })) },
    { name: "welcome_languages", label: t("signage.event.welcomeLanguages"), type: "list", hint: t("signage.event.welcomeLanguagesHint"), errorKeys: ["welcome.languages", "welcome"] },
    { name: "welcome_kiosk", label: t("signage.event.welcomeKiosk"), hint: t("signage.event.welcomeKioskHint"), errorKeys: ["welcome.kiosk_language", "kiosk_language"] },
    { name: "welcome_playlist", label: t("signage.event.welcomePlaylist"), type: "select", emptyLabel: t("signage.event.noPlaylist"), options: playlists.map((p) => ({ value: p.code, label: `${p.name} (${p.code})` })), errorKeys: ["welcome.playlist", "playlist"] },
  ].filter(Boolean);
}

/** The form's values for an event (null: a new one). */
function valuesOf(ctx, event) {
  if (!event) return { kind: "concert", status: "scheduled" };
  const zone = ctx.i18n.timeZone;
  return {
    kind: event.kind,
    status: event.status,
    ...Object.fromEntries(TEXT_LANGUAGES.flatMap((lang) => [[`title_${lang}`, event.title[lang] ?? ""], [`description_${lang}`, event.description[lang] ?? ""]])),
    starts_at: stationLocal(event.starts_at, zone),
    // Whole days end at the midnight after the last: the form shows the last day.
    ends_at: stationLocal(event.all_day ? new Date(Date.parse(event.ends_at) - 60000).toISOString() : event.ends_at, zone),
    all_day: event.all_day,
    place_name: event.place?.name ?? "",
    place_lat: event.place?.lat ?? "",
    place_lon: event.place?.lon ?? "",
    url: event.url ?? "",
    welcome_languages: event.welcome?.languages ?? [],
    welcome_kiosk: event.welcome?.kiosk_language ?? "",
    welcome_playlist: event.welcome?.playlist ?? "",
  };
}

/** The body the API takes; texts in other languages than the form's are kept as they were. */
function eventBody(values, event) {
  const texts = (prefix, kept = {}) => {
    const merged = { ...kept };
    for (const lang of TEXT_LANGUAGES) {
      if (values[`${prefix}_${lang}`]) merged[lang] = values[`${prefix}_${lang}`];
      else delete merged[lang];
    }
    return merged;
  };
  const languages = values.welcome_languages ?? [];
  return {
    ...(event ? {} : { code: values.code }),
    kind: values.kind,
    status: values.status,
    title: texts("title", event?.title),
    description: texts("description", event?.description),
    starts_at: values.starts_at ? stationTimeToIso(values.starts_at) : null,
    ends_at: values.ends_at ? stationTimeToIso(values.ends_at) : null,
    all_day: Boolean(values.all_day),
    place: values.place_name ? { name: values.place_name, lat: values.place_lat, lon: values.place_lon } : null,
    url: values.url || null,
    welcome: languages.length ? { languages, kiosk_language: values.welcome_kiosk || null, playlist: values.welcome_playlist || null } : null,
  };
}

function statusBadge(ctx, event) {
  return stateBadge(event.status === "cancelled" ? "error" : "active", ctx.t(`signage.event.status.${event.status}`));
}

function eventsTable(ctx, rows, { onEdit, onDelete }) {
  const t = ctx.t;
  return dataTable({
    caption: t("signage.agenda.list"),
    rows,
    rowKey: (e) => e.code,
    empty: t("signage.agenda.none"),
    columns: [
      { label: t("signage.event.when"), render: (e) => whenText(ctx.i18n, e) },
      { label: t("signage.event.titleColumn"), render: (e) => [localized(e.title), " ", h("span", { class: "mono muted" }, e.code)] },
      { label: t("signage.event.kind"), render: (e) => t(`signage.event.kind.${e.kind}`) },
      { label: t("signage.event.place"), render: (e) => e.place?.name ?? "—" },
      { label: t("signage.event.status"), render: (e) => statusBadge(ctx, e) },
      { label: t("signage.event.welcome"), render: (e) => (e.welcome ? h("span", { class: "mono", style: { "white-space": "nowrap" } }, e.welcome.languages.join(" · ")) : "—") },
      {
        label: t("console.actions"),
        render: (e) =>
          h(
            "div",
            { class: "cluster" },
            button({ label: t("console.edit"), "data-action": "edit", "aria-label": t("signage.event.editNamed", { name: localized(e.title) }), onClick: () => onEdit(e) }),
            button({ label: t("console.delete"), variant: "danger", "data-action": "delete", "aria-label": t("signage.event.deleteNamed", { name: localized(e.title) }), onClick: () => onDelete(e) }),
          ),
      },
    ],
  });
}

function welcomeSummary(ctx, welcome) {
  const t = ctx.t;
  return h(
    "dl",
    { class: "agenda-welcome", id: "welcome-now" },
    h("dt", null, t("signage.welcome.languages")),
    h("dd", { class: "mono" }, welcome.languages.join(" · ")),
    h("dt", null, t("signage.welcome.kiosk")),
    h("dd", { class: "mono" }, welcome.kiosk_language),
    h("dt", null, t("signage.welcome.setBy")),
    h("dd", null, welcome.event ?? t("signage.welcome.station")),
    h("dt", null, t("signage.welcome.until")),
    h("dd", null, welcome.until ? ctx.i18n.formatDateTime(welcome.until) : "—"),
  );
}

async function render(ctx) {
  const api = signageApi(ctx);
  const t = ctx.t;
  let playlists = [];
  let span = "upcoming";
  const listHolder = h("div", { id: "agenda-events" });
  const welcomeHolder = h("div");

  const drawWelcome = drawInto(ctx, welcomeHolder, async () => welcomeSummary(ctx, await api.get("/welcome")));
  const drawList = () => {
    const list = pagedList({
      reader: api,
      path: "/agenda",
      query: span === "all" ? { from: EARLIEST } : {},
      limit: PAGE_SIZE,
      table: (rows) => eventsTable(ctx, rows, { onEdit: open, onDelete: remove }),
    });
    listHolder.replaceChildren(list);
    return list.start();
  };
  const refresh = async () => {
    await Promise.all([drawList(), drawWelcome()]);
  };

  async function open(event) {
    playlists = await allItems(api, "/playlists");
    const saved = await formDialog({
      title: event ? t("signage.event.edit", { name: localized(event.title) }) : t("signage.event.create"),
      fields: eventFields(ctx, playlists, { withCode: !event }),
      values: valuesOf(ctx, event),
      submitLabel: event ? t("console.save") : t("console.create"),
      wide: true,
      onSubmit: (values) => (event ? api.put(`/agenda/${encodeURIComponent(event.code)}`, eventBody(values, event)) : api.post("/agenda", eventBody(values, null))),
    });
    if (saved) {
      savedToast(ctx);
      await refresh();
    }
  }

  async function remove(event) {
    const ok = await ctx.confirm({ title: t("console.deleteTitle", { name: localized(event.title) }), message: t("signage.event.deleteText"), confirmLabel: t("console.delete"), danger: true });
    if (!ok) return;
    await api.delete(`/agenda/${encodeURIComponent(event.code)}`);
    ctx.toast(t("console.deleted"), { tone: "success" });
    await refresh();
  }

  const body = frame(ctx, {
    title: t("signage.agenda.title"),
    lead: t("signage.agenda.lead"),
    actions: [
      h("a", { class: "button", href: calendarUrl(ctx.station.slug, ctx.i18n.locale), id: "agenda-feed", target: "_blank", rel: "noopener" }, t("signage.agenda.feed")),
      button({ label: t("signage.event.create"), icon: "plus", variant: "primary", "data-action": "create-event", onClick: () => open(null) }),
    ],
  });
  body.append(
    panel({ title: t("signage.welcome.title"), id: "welcome" }, welcomeHolder),
    panel(
      { title: t("signage.agenda.list"), id: "agenda" },
      choice({
        legend: t("signage.agenda.span"),
        name: "agenda-span",
        options: ["upcoming", "all"].map((value) => ({ value, label: t(`signage.agenda.span.${value}`) })),
        value: span,
        onChange: (value) => {
          span = value;
          drawList();
        },
      }),
      listHolder,
    ),
  );
  await refresh();
}

export default { id: "signage-agenda", path: "/signage/agenda", title: "signage.agenda.title", messages: MESSAGES, render };
