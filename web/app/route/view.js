// The route tab: from a place of the station, to a place or to what is outside an exit (a bus stop,
// a Vélib' dock, a street: "which exit for …"), under a profile; the steps, the walk outside, and
// the plan of each level as the kiosk draws it. A kiosk's QR code opens it filled in:
// #/route?station=<slug>&from=<place>&to=<place or destination>&profile=<profile>&lang=<tag>
// It asks the kiosk service again (so it follows outages) in the app's language.

import { distanceText, isolated, walkingMinutes } from "../../common/departures.js";
import { h } from "../../common/dom.js";
import { itemsOf } from "../../common/pages.js";
import { emptyState, problemNotice } from "../../common/ui.js";
import { levelChanges, planSvg } from "../../kiosk/plan.js";

const PROFILES = ["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"];
// Where a traveller who did not say starts: the concourse, else the first exit.
const DEFAULT_FROM = ["hall"];

function steps(route, byCode) {
  const { numbers } = levelChanges(route, byCode);
  return h(
    "ol",
    { class: "stack route-steps", id: "route-steps" },
    route.steps.map((step, i) =>
      h(
        "li",
        { "data-mode": step.mode },
        numbers.has(i) ? h("span", { class: "route__change", "aria-hidden": "true" }, `${numbers.get(i)} ${step.level_change === "up" ? "↑" : "↓"}`) : null,
        step.instruction,
      ),
    ),
  );
}

export default {
  id: "route",
  path: "/route",
  title: "route.title",
  nav: { label: "route.nav", icon: "route", order: 40, description: "route.description" },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const { t, root, query } = ctx;
    const station = query.station || ctx.station?.slug;
    root.append(h("h1", { id: "view-title" }, t("route.title")));
    if (!station) {
      root.append(emptyState({ icon: "route", title: t("route.none") }));
      return;
    }
    const base = `/api/v1/stations/${encodeURIComponent(station)}/kiosk`;
    const lang = () => ctx.i18n.locale.split("-")[0];
    const get = (path, params = {}) => ctx.api.get(`${base}${path}`, { auth: "none", signal: ctx.signal, query: { lang: lang(), ...params } });

    const state = {
      from: query.from || null,
      to: query.to || null,
      toName: "",
      profile: PROFILES.includes(query.profile) ? query.profile : "fastest",
      map: null,
      level: null,
      answer: null,
    };
    let map;
    try {
      map = await get("/map");
    } catch (error) {
      root.append(problemNotice(error));
      return;
    }
    state.map = map;
    const byCode = new Map(map.places.map((p) => [p.code, p]));
    state.from = state.from && byCode.has(state.from) ? state.from : (DEFAULT_FROM.find((c) => byCode.has(c)) ?? map.places[0]?.code);

    const fromSelect = h(
      "select",
      { id: "route-from", class: "input" },
      [...map.places]
        .filter((p) => p.kind !== "node")
        .sort((a, b) => a.name.localeCompare(b.name, lang()))
        .map((p) => h("option", { value: p.code, selected: p.code === state.from }, p.name)),
    );
    fromSelect.addEventListener("change", () => {
      state.from = fromSelect.value;
      show();
    });
    const profileSelect = h(
      "select",
      { id: "route-profile", class: "input" },
      PROFILES.map((p) => h("option", { value: p, selected: p === state.profile }, t(`route.profile.${p}`))),
    );
    profileSelect.addEventListener("change", () => {
      state.profile = profileSelect.value;
      show();
    });
    const search = h("input", { id: "route-search", class: "input", type: "search", autocomplete: "off", placeholder: t("route.toPlaceholder") });
    const hits = h("ul", { class: "route-hits", id: "route-hits" });
    const chosen = h("p", { class: "muted", id: "route-to" });
    const result = h("div", { class: "stack", id: "route", "data-places": "", "data-exit": "" });
    const levels = h("div", { class: "cluster route-levels", role: "tablist", "aria-label": t("route.levels") });
    const plan = h("div", { class: "route-plan", id: "route-plan" });

    root.append(
      h(
        "form",
        { class: "stack card", id: "route-form", onSubmit: (/** @type {Event} */ e) => e.preventDefault() },
        h("label", { class: "field" }, h("span", { class: "field__label" }, t("route.from")), fromSelect),
        h("label", { class: "field" }, h("span", { class: "field__label" }, t("route.to")), search),
        hits,
        chosen,
        h("label", { class: "field" }, h("span", { class: "field__label" }, t("route.profile")), profileSelect),
      ),
      result,
      h("section", { class: "stack", "aria-label": t("route.plan") }, levels, plan),
    );

    let timer;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(findHits, 200);
    });

    async function findHits() {
      const q = search.value.trim();
      if (!q) return hits.replaceChildren();
      let answer;
      try {
        answer = await get("/search", { q, limit: 6 });
      } catch {
        return;
      }
      if (q !== search.value.trim()) return;
      hits.replaceChildren(
        ...itemsOf(answer, "/search").map((hit) => {
          const d = hit.destination;
          const code = d ? d.code : hit.place.code;
          const name = d ? d.name : hit.place.name;
          return h(
            "li",
            null,
            h(
              "button",
              {
                type: "button",
                class: "button button--block route-hit",
                "data-code": code,
                "data-exit": d ? hit.place.code : null,
                onClick: () => {
                  state.to = code;
                  state.toName = name;
                  hits.replaceChildren();
                  search.value = "";
                  show();
                },
              },
              h("span", null, name, d?.lines.length ? ` · ${d.lines.join(" ")}` : ""),
              d ? h("span", { class: "muted" }, t("route.viaExit", { exit: hit.place.name, distance: isolated(distanceText(d.walking_m, lang())) })) : null,
            ),
          );
        }),
      );
    }

    function drawPlan() {
      const route = state.answer?.route ?? state.answer?.alternative ?? null;
      const end = state.answer?.outside?.exit_code ?? state.to;
      const routeLevels = new Set(route ? route.places.map((code) => byCode.get(code)?.level_code) : []);
      const level = state.level ?? byCode.get(end)?.level_code ?? byCode.get(state.from)?.level_code ?? map.levels[0]?.code;
      state.level = level;
      levels.replaceChildren(
        ...map.levels.map((lv) =>
          h(
            "button",
            {
              type: "button",
              role: "tab",
              class: `button button--small${routeLevels.has(lv.code) ? " route-level--route" : ""}`,
              "aria-selected": String(lv.code === level),
              "data-level": lv.code,
              onClick: () => {
                state.level = lv.code;
                drawPlan();
              },
            },
            lv.name,
          ),
        ),
      );
      plan.replaceChildren(planSvg({ map, level, route, here: state.from, to: end, hereLabel: t("route.start"), label: t("route.plan") }));
    }

    // Each change (from, to, profile) asks again; only the answer to the latest question is shown,
    // whatever order the answers come back in.
    let asked = 0;

    async function show() {
      const question = ++asked;
      if (!state.to) {
        chosen.textContent = "";
        result.replaceChildren(h("p", { class: "muted" }, t("route.pickDestination")));
        drawPlan();
        return;
      }
      let answer;
      try {
        answer = await get("/route", { from: state.from, to: state.to, profile: state.profile });
      } catch (error) {
        if (question === asked) result.replaceChildren(problemNotice(error));
        return;
      }
      if (question !== asked) return;
      state.answer = answer;
      const destination = answer.outside?.destination;
      chosen.textContent = t("route.going", { name: destination?.name ?? byCode.get(state.to)?.name ?? state.toName ?? state.to });
      const shown = answer.route ?? answer.alternative;
      result.dataset.places = shown ? shown.places.join(" ") : "";
      result.dataset.exit = answer.outside?.exit_code ?? "";
      result.dataset.found = String(answer.found);
      const body = [h("p", { class: "muted" }, t(`route.profile.${state.profile}`))];
      if (answer.route) {
        const seconds = answer.route.time_s + (answer.outside?.walking_s ?? 0);
        body.push(h("p", null, t("route.duration", { minutes: Math.max(1, Math.round(seconds / 60)) })), steps(answer.route, byCode));
      } else {
        body.push(h("p", { class: "notice notice--warning", role: "alert" }, answer.explanation.message));
        if (answer.alternative) body.push(h("h2", { class: "section-title" }, t("route.alternative")), steps(answer.alternative, byCode));
      }
      if (answer.outside) {
        const o = answer.outside;
        body.push(
          h(
            "p",
            { class: "notice notice--success", id: "route-outside" },
            t("route.outside", { distance: isolated(distanceText(o.walking_m, lang())), minutes: walkingMinutes(o.walking_s), name: o.destination.name }),
            o.destination.lines.length ? ` (${o.destination.lines.join(", ")})` : "",
          ),
        );
      }
      result.replaceChildren(...body);
      state.level = null;
      drawPlan();
    }

    await show();
  },
};
