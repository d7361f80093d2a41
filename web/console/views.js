// The views of the console. Each section is a folder web/console/<section>/ whose view.js exports
// a view or a list of views (see web/common/router.js and docs/web.md). The lines are kept apart
// by comments so that sections added on different branches merge without conflict.

export const VIEW_MODULES = [
  () => import("./signin/view.js"),
  () => import("./dashboard/view.js"),

  // ── Signage: screens and pairing, content, playlists, schedules, alerts ──
  () => import("./signage/view.js"),

  // ── Lockers: banks and compartments, parcels, door openings ──
  () => import("./lockers/view.js"),

  // ── Mobility: systems and their feeds ──
  () => import("./mobility/view.js"),

  // ── Kiosk: places, pathways, equipment outages, route preview ──
  () => import("./kiosk/view.js"),

  // ── Culture: exhibitions curated at the hub, their tour and reach (network roles) ──
  () => import("./culture/view.js"),
];
