// The route a kiosk would give, previewed by the operator: from, to, profile and language; the
// steps in that language, the plan of each level it passes (drawn by the kiosk's own plan.js), and
// when the profile has no route, why (the service explains: which equipment blocks it) and the
// fastest route that remains. The choice lives in the address, so a preview can be shared; it is
// asked again whenever the station's outages change.

import { h, replace } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { problemNotice } from "../../common/ui.js";
import { planSvg } from "../../kiosk/plan.js";
import { form, livePoll, pageHeader, panel } from "../kit.js";
import { kioskApi, LANGUAGES, languageOptions, loadMap, placeOptions, profileOptions, tabs } from "./common.js";

const minutes = (seconds) => Math.max(1, Math.round(seconds / 60));

function summary(ctx, route) {
  return h(
    "p",
    { class: "route-summary", id: "route-summary" },
    ctx.t("kiosk.route.summary", { minutes: minutes(route.time_s), metres: i18n.formatNumber(Math.round(route.length_m)), changes: route.level_changes }),
  );
}

function steps(route, lang) {
  return h(
    "ol",
    { class: "route-steps", lang, dir: lang === "ar" ? "rtl" : null },
    route.steps.map((step) => h("li", { dataset: { mode: step.mode, change: step.level_change } }, step.instruction)),
  );
}

/** Level buttons (those the route passes first) and the plan of the chosen one. */
function planBlock(ctx, map, route, from, to) {
  const byCode = new Map(map.places.map((place) => [place.code, place]));
  const passed = [...new Set(route.places.map((code) => byCode.get(code)?.level_code).filter(Boolean))];
  const holder = h("div", { class: "route-plan__drawing", id: "route-plan" });
  const buttons = h("div", { class: "cluster route-plan__levels", role: "group", "aria-label": ctx.t("kiosk.route.levels") });
  const show = (level) => {
    for (const control of buttons.children) control.setAttribute("aria-pressed", String(control.dataset.level === level));
    replace(holder, planSvg({ map, level, route, here: from, to, hereLabel: ctx.t("kiosk.route.start"), label: ctx.t("kiosk.route.plan") }));
  };
  buttons.append(
    ...map.levels
      .filter((level) => passed.includes(level.code))
      .map((level) => h("button", { type: "button", class: "button", dataset: { level: level.code }, "aria-pressed": "false", onClick: () => show(level.code) }, level.name)),
  );
  show(passed[passed.length - 1] ?? map.levels[0]?.code);
  return [buttons, holder];
}

export default {
  id: "kiosk-route",
  path: "/kiosk/route",
  title: "kiosk.route.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const asked = { from: ctx.query.from ?? "", to: ctx.query.to ?? "", profile: ctx.query.profile ?? "step_free", lang: LANGUAGES.includes(ctx.query.lang) ? ctx.query.lang : i18n.locale.split("-")[0] };
    const result = h("div", { class: "panel__body", id: "route-result", "aria-live": "polite" });
    ctx.root.append(pageHeader({ title: ctx.t("kiosk.route.title"), lead: ctx.t("kiosk.route.lead") }), tabs(ctx));
    // The choices are named in the console's language; the preview in the language asked.
    const places = placeOptions((await loadMap(ctx)).places);
    const chooser = form({
      className: "route-form",
      submitLabel: ctx.t("kiosk.route.show"),
      values: asked,
      fields: [
        { name: "from", type: "select", label: ctx.t("kiosk.route.from"), options: places, required: true },
        { name: "to", type: "select", label: ctx.t("kiosk.route.to"), options: places, required: true },
        { name: "profile", type: "select", label: ctx.t("kiosk.route.profile"), options: profileOptions(ctx), required: true },
        { name: "lang", type: "select", label: ctx.t("kiosk.route.language"), options: languageOptions(), required: true },
      ],
      onSubmit: (values) => ctx.router.navigate("/kiosk/route", values),
    });
    ctx.root.append(panel({ title: ctx.t("kiosk.route.choose"), id: "route-choice" }, chooser), panel({ title: ctx.t("kiosk.route.result"), id: "route-preview" }, result));
    if (!asked.from || !asked.to) {
      replace(result, h("p", { class: "muted" }, ctx.t("kiosk.route.pick")));
      return;
    }

    async function showRoute() {
      let answer;
      let current;
      try {
        [answer, current] = await Promise.all([kiosk.get("/route", { query: asked }), loadMap(ctx, asked.lang)]);
      } catch (error) {
        if (error?.name !== "AbortError") replace(result, problemNotice(error));
        return;
      }
      const shown = answer.route ?? answer.alternative;
      result.dataset.found = String(answer.found);
      result.dataset.places = shown ? shown.places.join(" ") : "";
      const parts = [];
      if (answer.found) {
        parts.push(summary(ctx, answer.route), steps(answer.route, answer.language));
      } else {
        parts.push(
          h(
            "div",
            { class: "notice notice--warning", id: "route-explanation", dataset: { code: answer.explanation.code } },
            h(
              "div",
              { class: "notice__body" },
              h("p", { class: "notice__title" }, ctx.t(`kiosk.route.why.${answer.explanation.code}`)),
              h("p", { lang: answer.language }, answer.explanation.message),
            ),
          ),
        );
        if (answer.alternative) parts.push(h("h3", null, ctx.t("kiosk.route.alternative")), summary(ctx, answer.alternative), steps(answer.alternative, answer.language));
        else parts.push(h("p", null, ctx.t("kiosk.route.noAlternative")));
      }
      if (shown) parts.push(h("div", { class: "route-plan" }, planBlock(ctx, current, shown, asked.from, asked.to)));
      replace(result, parts);
    }

    await showRoute();
    // An outage anywhere may change the route: ask again when the list of outages changes.
    let first = true;
    livePoll(ctx, kiosk.path("/equipment"), {
      interval: 4000,
      onData: () => {
        if (first) first = false;
        else showRoute();
      },
    });
  },
};
