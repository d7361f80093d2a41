// Example feature view: the chosen station, its lines and the services that run there, kept
// current by polling the station directory with conditional GETs (a 304 costs nothing).
// Copy this folder to add a feature: a view.js, its own i18n/ dictionary, one line in ../views.js.

import { h } from "../../common/dom.js";
import { icon } from "../../common/icons.js";
import { lineBadge } from "../../common/stations.js";
import { button, emptyState, list } from "../../common/ui.js";
import { whatsOn } from "./agenda.js";

const SERVICE_ICONS = { lockers: "parcel", signage: "info", mobility: "bike", kiosk: "route" };

function services(ctx, station) {
  const { t } = ctx;
  return list(
    station.services,
    (service) => [
      icon(SERVICE_ICONS[service.domain] ?? "info"),
      h(
        "div",
        { class: "list__body" },
        h("p", { class: "list__title" }, t(`station.service.${service.domain}`)),
        h("p", { class: "list__meta" }, t(`station.serviceText.${service.domain}`)),
      ),
    ],
    { label: t("station.services") },
  );
}

export default {
  id: "station",
  path: "/station",
  title: "station.title",
  nav: { label: "station.nav", icon: "station", order: 90, description: "station.description" },
  messages: new URL("./i18n/", import.meta.url),
  render(ctx) {
    const { t, i18n, root } = ctx;
    const station = ctx.station;
    if (!station) {
      root.append(
        h("h1", { id: "view-title" }, t("station.title")),
        emptyState({
          icon: "station",
          title: t("stations.none"),
          action: button({ label: t("stations.pick"), variant: "primary", onClick: () => ctx.pickStation() }),
        }),
      );
      return;
    }
    const body = h("div", { class: "stack stack--loose" });
    const checked = h("p", { class: "muted", id: "station-checked", role: "status" });
    const draw = (current) => {
      body.replaceChildren(
        h("div", { class: "cluster" }, current.lines.map(lineBadge)),
        h(
          "section",
          { "aria-labelledby": "station-services" },
          h("h2", { class: "section-title", id: "station-services" }, t("station.services")),
          services(ctx, current),
        ),
        h(
          "section",
          { class: "card", "aria-labelledby": "station-where" },
          h("h2", { class: "card__title", id: "station-where" }, t("station.where")),
          // Coordinates as GPS apps write them, whatever the language: decimal points, north and east.
          h("p", { class: "ltr mono" }, `${current.lat.toFixed(5)}° N, ${current.lon.toFixed(5)}° E`),
          h("p", { class: "muted" }, t("station.timeZone", { zone: current.timezone })),
        ),
      );
    };
    draw(station);
    root.append(h("h1", { id: "view-title" }, station.name), body, whatsOn(ctx, station), checked);
    // Keep the page current while it is open: the poll stops when the view is left (ctx.signal).
    ctx.api.poll(`/api/v1/stations/${encodeURIComponent(station.slug)}`, {
      auth: "none",
      interval: 60000,
      signal: ctx.signal,
      onData: (fresh) => draw(fresh),
      onError: () => {
        checked.textContent = t("common.stale");
      },
    });
    checked.textContent = t("common.updatedAt", { time: i18n.formatTime(new Date()) });
  },
};
