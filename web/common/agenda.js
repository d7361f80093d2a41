// A station's agenda as the pages show it (app, kiosk, console): its paths, an event's texts in the
// reader's language with the usual fallback (fr -> en -> any), and when it happens, in the
// station's time (Europe/Paris). No page state.

import { fallbackChain } from "./i18n.js";

/**
 * @typedef {{ code: string, kind: string, status: string, title: Record<string, string>,
 *   description: Record<string, string>, starts_at: string, ends_at: string, all_day: boolean,
 *   place: { name: string, lat: number | null, lon: number | null } | null, url: string | null }} AgendaEvent
 */

/** @param {string} slug */
export function agendaPath(slug) {
  return `/api/v1/stations/${encodeURIComponent(slug)}/signage/agenda`;
}

/**
 * The iCalendar feed calendar apps subscribe to, its texts in `language`.
 * @param {string} slug
 * @param {string} language
 * @param {string} [origin]
 */
export function calendarUrl(slug, language, origin = location.origin) {
  const url = new URL(`${agendaPath(slug)}/calendar.ics`, origin);
  url.searchParams.set("lang", language);
  return url.href;
}

/**
 * The same feed as a subscription (webcal://): calendar apps add it and keep it current.
 * @param {string} slug
 * @param {string} language
 * @param {string} [origin]
 */
export function subscribeUrl(slug, language, origin = location.origin) {
  return calendarUrl(slug, language, origin).replace(/^https?:/, "webcal:");
}

/**
 * The text for `locale`, else its fallbacks, else any; "" when there is none.
 * @param {Record<string, string> | null | undefined} texts
 * @param {string} locale
 * @returns {string}
 */
export function localized(texts, locale) {
  if (!texts) return "";
  const byLower = new Map(Object.entries(texts).map(([tag, text]) => [tag.toLowerCase(), text]));
  for (const candidate of fallbackChain([locale])) {
    const found = byLower.get(candidate.toLowerCase());
    if (found) return found;
  }
  return Object.values(texts)[0] ?? "";
}

/**
 * When an event happens, in the station's time: "12 déc. 2026, 19:00–21:00", "12–14 déc. 2026"
 * for whole days (their end is the midnight after the last day).
 * @param {{ locale: string, timeZone: string }} i18n
 * @param {AgendaEvent} event
 * @returns {string}
 */
export function whenText(i18n, event) {
  const start = new Date(event.starts_at);
  const end = new Date(event.ends_at);
  /** @param {Intl.DateTimeFormatOptions} options */
  const format = (options) => new Intl.DateTimeFormat(i18n.locale, { timeZone: i18n.timeZone, ...options });
  if (event.all_day) {
    const last = new Date(end.getTime() - 1);
    return format({ dateStyle: "medium" }).formatRange(start, last);
  }
  return format({ dateStyle: "medium", timeStyle: "short" }).formatRange(start, end);
}
