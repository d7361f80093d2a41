// The signage section of the console: screens and their devices, pairing by code, the content
// library, playlists, schedules (a week view), layouts, emergency messages, proof of play, the
// station's agenda (events, the welcome they set) and the exhibitions that visit it. One module per view.

import agenda from "./agenda.js";
import alerts from "./alerts.js";
import content from "./content.js";
import layouts from "./layouts.js";
import pair from "./pair.js";
import playlists from "./playlists.js";
import plays from "./plays.js";
import schedules from "./schedules.js";
import screens from "./screens.js";
import visits from "./visits.js";
import { MESSAGES } from "./shared.js";

// The section's entry in the side navigation: /signage opens the screens.
const section = {
  id: "signage",
  path: "/signage",
  title: "signage.title",
  nav: { label: "signage.nav", icon: "text", order: 20 },
  messages: MESSAGES,
  render(ctx) {
    ctx.router.navigate("/signage/screens", {}, { replace: true });
  },
};

export default [section, ...screens, pair, content, ...playlists, schedules, layouts, alerts, plays, agenda, visits];
