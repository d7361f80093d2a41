// The views of the traveller app. Each feature is a folder web/app/<feature>/ with a view.js
// whose default export is a view (see web/common/router.js and docs/web.md): adding a feature is
// creating its folder and adding its line below. The lines are kept apart by comments so that
// features added on different branches merge without conflict.

export const VIEW_MODULES = [
  () => import("./home/view.js"),
  () => import("./account/view.js"),

  // Example feature: the chosen station's lines and services (and the pattern to copy).
  () => import("./station/view.js"),

  // ── Extension point: parcels (issue 7, parcel lockers): my parcels, QR, "open" ──
  () => import("./parcels/view.js"),

  // ── Extension point: vehicles (issue 9, vehicle sharing): bikes, cars, charging nearby ──
  () => import("./vehicles/view.js"),

  // ── Extension point: route (issue 10, info kiosk): a route in the station, from a kiosk's QR ──
  () => import("./route/view.js"),

  // ── Extension point: departures (issue 18): next trains and buses, which exit for … ──
  () => import("./departures/view.js"),
  // ── Extension point: work (issue 19, culture): a work of a touring exhibition, from a screen's QR ──
  () => import("./work/view.js"),
];
