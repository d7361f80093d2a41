// Vehicles: what a traveller can take near the chosen station — bikes, e-bikes, cargo bikes,
// scooters, shared cars — nearest walk first, by kind, kept current by polling the nearby search.

import { h } from "../../common/dom.js";
import { icon } from "../../common/icons.js";
import { badge, button, choice, emptyState, list } from "../../common/ui.js";

const RADIUS_M = 800;
const KINDS = ["all", "bicycle", "cargo_bicycle", "scooter", "car"];
const FORM_ICONS = { car: "car" };

function typeLabel(ctx, type) {
  if (!type) return "";
  return type.name[ctx.i18n.locale] ?? type.name[ctx.i18n.language] ?? type.name.fr ?? Object.values(type.name)[0] ?? type.id;
}

function placeRow(ctx, place, types) {
  const { t, i18n } = ctx;
  const counts = place.vehicle_types_available.filter((c) => c.count > 0);
  const forms = counts.map((c) => types.get(c.vehicle_type_id)?.form_factor);
  const title = place.kind === "vehicle" ? typeLabel(ctx, types.get(counts[0]?.vehicle_type_id)) : place.name;
  return [
    icon(FORM_ICONS[forms[0]] ?? "bike"),
    h(
      "div",
      { class: "list__body" },
      h("p", { class: "list__title" }, title),
      h(
        "p",
        { class: "list__meta" },
        t("vehicles.walk", {
          minutes: i18n.formatDuration(place.walking_minutes * 60),
          distance: i18n.formatDistance(place.walking_distance_m),
        }),
      ),
      h(
        "div",
        { class: "cluster" },
        place.kind === "vehicle"
          ? badge(t("vehicles.freeFloating"), "info")
          : counts.map((c) => badge(`${c.count} · ${typeLabel(ctx, types.get(c.vehicle_type_id))}`, "success")),
        place.num_docks_available != null && place.kind === "vehicle_station"
          ? badge(t("vehicles.docks", { count: place.num_docks_available }))
          : null,
      ),
    ),
  ];
}

export default {
  id: "vehicles",
  path: "/vehicles",
  title: "vehicles.title",
  nav: { label: "vehicles.nav", icon: "bike", order: 30, description: "vehicles.description" },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const { t, i18n, root } = ctx;
    const station = ctx.station;
    root.append(h("h1", { id: "view-title" }, t("vehicles.title")));
    if (!station) {
      root.append(
        emptyState({
          icon: "bike",
          title: t("stations.none"),
          action: button({ label: t("stations.pick"), variant: "primary", onClick: () => ctx.pickStation() }),
        }),
      );
      return;
    }
    const base = `/api/v1/stations/${encodeURIComponent(station.slug)}/mobility`;
    const typeList = await ctx.api.get(`${base}/vehicle-types`, { auth: "none", query: { limit: 200 }, signal: ctx.signal });
    const types = new Map(typeList.vehicle_types.map((type) => [type.id, type]));
    let kind = "all";
    let places = [];
    const body = h("div", { class: "stack", id: "vehicles-list" });
    const checked = h("p", { class: "muted", id: "vehicles-checked", role: "status" });
    const draw = () => {
      const shown = places.filter(
        (place) =>
          kind === "all" ||
          place.vehicle_types_available.some((c) => c.count > 0 && types.get(c.vehicle_type_id)?.form_factor === kind),
      );
      body.replaceChildren(
        shown.length
          ? list(shown, (place) => placeRow(ctx, place, types), { label: t("vehicles.title") })
          : emptyState({ icon: "bike", title: t("vehicles.none"), text: t("vehicles.noneText") }),
      );
    };
    root.append(
      h("p", { class: "muted" }, t("vehicles.around", { station: station.name, distance: i18n.formatDistance(RADIUS_M) })),
      choice({
        legend: t("vehicles.kind"),
        name: "vehicle-kind",
        options: KINDS.map((value) => ({ value, label: t(`vehicles.kind.${value}`) })),
        value: kind,
        onChange: (value) => {
          kind = value;
          draw();
        },
      }),
      body,
      checked,
    );
    // Availability moves by the minute: poll the nearby search (the view stops it when left).
    ctx.api.poll(`${base}/nearby`, {
      auth: "none",
      query: { radius_m: RADIUS_M },
      interval: 15000,
      signal: ctx.signal,
      onData: (found) => {
        places = found.places;
        draw();
        checked.textContent = t("common.updatedAt", { time: i18n.formatTime(new Date()) });
      },
      onError: () => {
        checked.textContent = t("common.stale");
      },
    });
  },
};
