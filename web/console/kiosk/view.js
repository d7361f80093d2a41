// The kiosk section of the console: the station's equipment and its outages, the route a kiosk
// would give, the station graph the routes are computed on (places, pathways, levels), and what
// each exit leads to outside.

import departures from "./departures.js";
import equipment from "./equipment.js";
import exits from "./exits.js";
import levels from "./levels.js";
import pathways from "./pathways.js";
import places from "./places.js";
import route from "./route.js";

// The section's address alone opens its daily view.
const home = {
  id: "kiosk",
  path: "/kiosk",
  title: "kiosk.equipment.title",
  nav: { label: "kiosk.nav", icon: "lift", order: 50 },
  messages: new URL("./i18n/", import.meta.url),
  render: (ctx) => ctx.router.navigate("/kiosk/equipment", {}, { replace: true }),
};

export default [home, equipment, route, ...places, pathways, levels, exits, departures];
