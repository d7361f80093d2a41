// "What's on": the station's coming events in the station view, in the reader's language, with
// a link that adds the station's agenda to a calendar app (its iCalendar feed, kept current).

import { agendaPath, calendarUrl, localized, subscribeUrl, whenText } from "../../common/agenda.js";
import { h } from "../../common/dom.js";
import { icon } from "../../common/icons.js";
import { badge, list, problemNotice } from "../../common/ui.js";

const SHOWN = 5;

/**
 * @param {any} ctx
 * @param {import("../../common/agenda.js").AgendaEvent} event
 */
function eventRow(ctx, event) {
  const { t, i18n } = ctx;
  const cancelled = event.status === "cancelled";
  const description = localized(event.description, i18n.locale);
  return [
    icon("clock"),
    h(
      "div",
      { class: "list__body" },
      h("p", { class: "list__title" }, localized(event.title, i18n.locale)),
      h("p", { class: "list__meta" }, whenText(i18n, event)),
      event.place ? h("p", { class: "list__meta" }, event.place.name) : null,
      description ? h("p", { class: "agenda__text" }, description) : null,
      h(
        "div",
        { class: "cluster" },
        badge(t(`station.agenda.kind.${event.kind}`), "info"),
        cancelled ? badge(t("station.agenda.cancelled"), "danger") : null,
      ),
    ),
  ];
}

/**
 * The section, filled when the agenda has answered; a failure shows a notice with a retry.
 * @param {any} ctx
 * @param {{ slug: string }} station
 */
export function whatsOn(ctx, station) {
  const { t, i18n } = ctx;
  const body = h("div", { class: "stack", id: "agenda-list" });
  const load = async () => {
    try {
      const page = await ctx.api.get(agendaPath(station.slug), { auth: "none", query: { limit: SHOWN }, signal: ctx.signal });
      body.replaceChildren(
        page.items.length
          ? list(page.items, (event) => eventRow(ctx, event), { label: t("station.agenda.title") })
          : h("p", { class: "muted" }, t("station.agenda.none")),
      );
    } catch (error) {
      if (ctx.signal.aborted) return;
      body.replaceChildren(problemNotice(error, { onRetry: load }));
    }
  };
  load();
  const language = i18n.locale;
  return h(
    "section",
    { "aria-labelledby": "station-agenda", class: "stack" },
    h("h2", { class: "section-title", id: "station-agenda" }, t("station.agenda.title")),
    body,
    h(
      "div",
      { class: "cluster" },
      h("a", { class: "button button--primary", href: subscribeUrl(station.slug, language), id: "agenda-subscribe" }, icon("plus"), t("station.agenda.subscribe")),
      h("a", { class: "button", href: calendarUrl(station.slug, language), download: "agenda.ics", id: "agenda-download" }, t("station.agenda.download")),
    ),
  );
}
