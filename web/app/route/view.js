// A route inside the station, as the kiosk handed it over by QR code:
// #/route?station=<slug>&from=<place>&to=<place>&profile=<profile>&lang=<tag>
// It asks the kiosk service again (so it follows outages) and lists the steps in the app's language.

import { h } from "../../common/dom.js";
import { emptyState } from "../../common/ui.js";

const PROFILES = ["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"];

function steps(route) {
  return h(
    "ol",
    { class: "stack", id: "route-steps" },
    route.steps.map((step) => h("li", { "data-mode": step.mode }, step.instruction)),
  );
}

export default {
  id: "route",
  path: "/route",
  title: "route.title",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const { t, root, query } = ctx;
    const station = query.station || ctx.station?.slug;
    root.append(h("h1", { id: "view-title" }, t("route.title")));
    if (!station || !query.from || !query.to) {
      root.append(emptyState({ icon: "route", title: t("route.none") }));
      return;
    }
    const profile = PROFILES.includes(query.profile) ? query.profile : "fastest";
    const answer = await ctx.api.get(`/api/v1/stations/${encodeURIComponent(station)}/kiosk/route`, {
      auth: "none",
      signal: ctx.signal,
      query: { from: query.from, to: query.to, profile, lang: ctx.i18n.locale },
    });
    const shown = answer.route ?? answer.alternative;
    const body = h("div", { class: "stack", id: "route", "data-places": shown ? shown.places.join(" ") : "" });
    body.append(h("p", { class: "muted" }, t(`route.profile.${profile}`)));
    if (answer.route) {
      body.append(h("p", null, t("route.duration", { minutes: Math.max(1, Math.round(answer.route.time_s / 60)) })), steps(answer.route));
    } else {
      body.append(h("p", { class: "notice notice--warning", role: "alert" }, answer.explanation.message));
      if (answer.alternative) body.append(h("h2", { class: "section-title" }, t("route.alternative")), steps(answer.alternative));
    }
    root.append(body);
  },
};
