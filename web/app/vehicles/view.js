// Vehicles: what a traveller can take near the chosen station — bikes, e-bikes, cargo bikes,
// scooters, shared cars — nearest walk first, by kind, kept current by the station's availability
// stream (Server-Sent Events through the gateway), with polling of the nearby search while the
// stream is down.

import { h } from "../../common/dom.js";
import { icon } from "../../common/icons.js";
import { MAX_LIMIT, allItems, itemsOf } from "../../common/pages.js";
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
    const typeList = await allItems(ctx.api, `${base}/vehicle-types`, { auth: "none", signal: ctx.signal });
    const types = new Map(typeList.map((type) => [type.id, type]));
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
    // Within the radius, nearest first: one page holds what is in walking distance.
    const nearby = `${base}/nearby`;
    const query = { radius_m: RADIUS_M, limit: MAX_LIMIT };
    const show = (found) => {
      places = itemsOf(found, nearby);
      draw();
      checked.textContent = t("common.updatedAt", { time: i18n.formatTime(new Date()) });
    };
    show(await ctx.api.get(nearby, { auth: "none", query, signal: ctx.signal }));

    // What is near (walking distance, radius, which stations count) is the service's to say: a
    // change to a listed station that still has vehicles is applied here, any other change that
    // may alter the list asks for it again (once for a burst, like the stream's opening state).
    let refetch = null;
    const refresh = () => {
      clearTimeout(refetch);
      refetch = setTimeout(async () => {
        try {
          show(await ctx.api.get(nearby, { auth: "none", query, signal: ctx.signal }));
        } catch {
          if (!ctx.signal.aborted) checked.textContent = t("common.stale");
        }
      }, 300);
    };
    ctx.signal.addEventListener("abort", () => clearTimeout(refetch), { once: true });
    const apply = (changed) => {
      const status = changed.status;
      const available = status && status.is_renting && status.num_vehicles_available > 0;
      const place = places.find((p) => p.kind === "vehicle_station" && p.id === changed.id);
      if (place && available) {
        place.vehicle_types_available = status.vehicle_types_available;
        place.num_docks_available = status.num_docks_available;
        draw();
        checked.textContent = t("common.updatedAt", { time: i18n.formatTime(new Date()) });
      } else if (place || available) {
        refresh();
      }
    };

    // Polling, only while the stream is not open (the poll stops when the view is left too).
    let fallback = null;
    const startPolling = () => {
      if (fallback || ctx.signal.aborted) return;
      fallback = new AbortController();
      ctx.api.poll(nearby, {
        auth: "none",
        query,
        interval: 15000,
        signal: AbortSignal.any([ctx.signal, fallback.signal]),
        onData: show,
        onError: () => {
          checked.textContent = t("common.stale");
        },
      });
    };
    const stopPolling = () => {
      fallback?.abort();
      fallback = null;
    };
    const stream = ctx.api.events(`${base}/events`, { session: null, signal: ctx.signal });
    stream.on("availability", (event) => apply(event.json()));
    stream.addEventListener("state", (event) => {
      body.dataset.live = String(event.detail === "open");
      if (event.detail === "open") stopPolling();
      else if (event.detail !== "connecting") startPolling();
    });
    stream.start();
  },
};
