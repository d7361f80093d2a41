// The kiosk's "What's on" panel: the station's next events, in the kiosk's language, redrawn when
// the language changes and read again every few minutes. At start, an event that sets the
// station's welcome (a trade fair's visitors) sets the kiosk's first language.
// Self-contained: kiosk.js mounts it with one line, mountAgenda({ station, api }).

import { agendaPath, localized, whenText } from "../../common/agenda.js";
import { $, h } from "../../common/dom.js";
import { i18n, t } from "../../common/i18n.js";

// The panel is a band of the screen: the next few only (the app lists them all).
const SHOWN = 3;
const REFRESH_MS = 5 * 60 * 1000;

/**
 * @param {{ station: string, api: import("../../common/api.js").Api, parent?: Element | null }} options
 * @returns {Promise<string | null>} the language an event's welcome starts the kiosk in, if one does
 */
export async function mountAgenda({ station, api, parent = $("#main") }) {
  await i18n.addSource(new URL("./i18n/", import.meta.url));
  const body = h("div", { id: "agenda-body" });
  const title = h("h2", { class: "card__title", id: "agenda-title" });
  const section = h("section", { class: "kiosk__panel kiosk__agenda card", id: "agenda", "aria-labelledby": "agenda-title" }, title, body);
  parent?.append(section);
  /** @type {import("../../common/agenda.js").AgendaEvent[] | null} */
  let events = null;
  const draw = () => {
    title.textContent = t("kiosk.agenda.title");
    if (events === null) return;
    body.replaceChildren(
      events.length
        ? h(
            "ul",
            { class: "list" },
            events.map((event) =>
              h(
                "li",
                { class: "list__item", dataset: { event: event.code } },
                h(
                  "div",
                  { class: "list__body" },
                  h("p", { class: "list__title" }, localized(event.title, i18n.locale), event.status === "cancelled" ? [" ", h("span", { class: "badge badge--danger" }, t("kiosk.agenda.cancelled"))] : null),
                  h("p", { class: "list__meta" }, `${t(`kiosk.agenda.kind.${event.kind}`)} · ${whenText(i18n, event)}`),
                  event.place ? h("p", { class: "list__meta" }, event.place.name) : null,
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("kiosk.agenda.none")),
    );
  };
  const load = async () => {
    try {
      const page = await api.get(agendaPath(station), { auth: "none", query: { limit: SHOWN } });
      events = page.items;
    } catch {
      // Nothing new to show: the last events stay (an agenda changes slowly).
    }
    draw();
  };
  i18n.addEventListener("change", draw);
  draw();
  await load();
  setInterval(load, REFRESH_MS);
  try {
    const welcome = await api.get(`/api/v1/stations/${encodeURIComponent(station)}/signage/welcome`, { auth: "none" });
    if (welcome.event && welcome.kiosk_language && i18n.supported.includes(welcome.kiosk_language)) {
      if (welcome.kiosk_language !== i18n.locale) await i18n.setLocale(welcome.kiosk_language, { persist: false });
      return welcome.kiosk_language;
    }
  } catch {
    // The station's usual language, then.
  }
  return null;
}
