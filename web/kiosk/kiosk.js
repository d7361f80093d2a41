// The station's kiosk (/kiosk/): plan of each level drawn from the graph's coordinates, search in
// any language, a route step by step that follows live outages, live panels, and a QR code that
// hands the route to the traveller app on a phone. Static ES module, no build step.
//
// Address: /kiosk/?station=<slug>&here=<place code> (where the kiosk stands; the hall by default).

import { Api } from "../common/api.js";
import { $, h } from "../common/dom.js";
import { autonym, i18n, t } from "../common/i18n.js";
import { itemsOf } from "../common/pages.js";
import { DisplayPreferences } from "../common/prefs.js";
import { mountAgenda } from "./agenda/agenda.js";
import { levelChanges, planSvg } from "./plan.js";

const LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "zh", "ar"];
const PROFILES = ["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"];
const params = new URLSearchParams(location.search);
const station = params.get("station") || "saint-denis-pleyel";
const here = params.get("here") || "hall";
const base = `/api/v1/stations/${encodeURIComponent(station)}/kiosk`;
const api = new Api();
// A kiosk keeps nothing for the next person.
const prefs = new DisplayPreferences({ storageKey: null });

const state = { map: null, level: null, to: null, profile: "fastest", route: null, outages: "", live: null };

function lang() {
  return i18n.locale.split("-")[0];
}

// Every text the API sends is in the language asked for. Each kind of answer (map, route, search,
// live) shows only its latest request's, and only when the language has not changed meanwhile:
// an answer that comes late in the former language would otherwise stay on screen.
const latest = {};
async function get(path, query = {}, kind = path) {
  const asked = lang();
  const ticket = (latest[kind] = (latest[kind] ?? 0) + 1);
  const answer = await api.get(`${base}${path}`, { auth: "none", query: { lang: asked, ...query } });
  return ticket === latest[kind] && asked === lang() ? answer : null;
}

// -- plan ---------------------------------------------------------------------------------------

function drawPlan() {
  const map = state.map;
  if (!map) return;
  const byCode = new Map(map.places.map((p) => [p.code, p]));
  const level = state.level ?? byCode.get(here)?.level_code ?? map.levels[0]?.code;
  state.level = level;
  const route = state.route?.route ?? state.route?.alternative;
  const routeLevels = new Set(route ? route.places.map((code) => byCode.get(code)?.level_code) : []);
  $("#levels").replaceChildren(
    ...map.levels.map((lv) =>
      h(
        "button",
        {
          type: "button",
          class: `button${routeLevels.has(lv.code) ? " kiosk__level--route" : ""}`,
          role: "tab",
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
  $("#plan").replaceChildren(planSvg({ map, level, route, here, to: state.to, hereLabel: t("kiosk.here"), label: t("kiosk.plan") }));
}

// -- search and route -----------------------------------------------------------------------------

let searchTimer = null;
function onSearch() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(showHits, 150);
}

async function showHits() {
  const q = $("#search").value.trim();
  if (!q) {
    latest["/search"] = (latest["/search"] ?? 0) + 1; // an answer still on its way is not shown
    return $("#hits").replaceChildren();
  }
  const results = await get("/search", { q, limit: 10 });
  if (!results) return;
  // The best hits first: the first page, ten of them, is all the kiosk shows.
  $("#hits").replaceChildren(
    ...itemsOf(results, "/search").map((hit) =>
      h(
        "li",
        null,
        h(
          "button",
          {
            type: "button",
            class: `button button--block${hit.place.code === state.to ? " button--primary" : ""}`,
            "aria-pressed": String(hit.place.code === state.to),
            "data-code": hit.place.code,
            onClick: () => choose(hit.place.code),
          },
          hit.place.name,
        ),
      ),
    ),
  );
}

async function choose(code) {
  state.to = code;
  for (const button of document.querySelectorAll("#hits button")) {
    if (!(button instanceof HTMLElement)) continue;
    const chosen = button.dataset.code === code;
    button.classList.toggle("button--primary", chosen);
    button.setAttribute("aria-pressed", String(chosen));
  }
  await showRoute();
}

function steps(route) {
  const byCode = new Map((state.map?.places ?? []).map((p) => [p.code, p]));
  const { numbers } = levelChanges(route, byCode);
  return h(
    "ol",
    { class: "route__steps" },
    route.steps.map((step, i) =>
      h(
        "li",
        { "data-mode": step.mode, "data-change": numbers.has(i) ? String(numbers.get(i)) : null },
        numbers.has(i) ? h("span", { class: "route__change", "aria-hidden": "true" }, `${numbers.get(i)} ${step.level_change === "up" ? "↑" : "↓"}`) : null,
        h("span", { class: "route__instruction" }, step.instruction),
        " ",
        h("span", { class: "muted" }, t("kiosk.duration", { minutes: Math.max(1, Math.round(step.time_s / 60)) })),
      ),
    ),
  );
}

async function showRoute() {
  if (!state.to) return;
  const answer = await get("/route", { from: here, to: state.to, profile: state.profile });
  if (!answer) return;
  state.route = answer;
  const shown = answer.route ?? answer.alternative;
  const body = [];
  if (answer.route) {
    body.push(h("p", { class: "list__title" }, t("kiosk.duration", { minutes: Math.max(1, Math.round(answer.route.time_s / 60)) })), steps(answer.route));
  } else {
    body.push(h("p", { class: "route__explanation", role: "alert", id: "route-explanation" }, answer.explanation.message));
    if (answer.alternative) body.push(h("h3", null, t("kiosk.alternative")), steps(answer.alternative));
  }
  const container = $("#route-body");
  container.replaceChildren(...body);
  $("#route").dataset.places = shown ? shown.places.join(" ") : "";
  $("#route").dataset.found = String(answer.found);
  const qr = new URLSearchParams({ from: here, to: state.to, profile: state.profile, lang: lang() });
  $("#qr-image").src = `${base}/route/qr?${qr}`;
  $("#qr-image").alt = t("kiosk.qr");
  $("#qr").hidden = false;
  const destination = state.map?.places.find((p) => p.code === state.to);
  if (destination) state.level = destination.level_code;
  drawPlan();
}

// -- live panels ----------------------------------------------------------------------------------

function panel(title, data, render) {
  return h(
    "section",
    { class: "stack", "data-panel": title, "data-stale": String(data.stale) },
    h("h3", null, t(`kiosk.${title}`), data.stale ? h("span", { class: "panel__stale" }, ` — ${t("kiosk.stale")}`) : null),
    data.items.length ? h("ul", null, data.items.map((item) => h("li", null, render(item)))) : h("p", { class: "muted" }, t("kiosk.none")),
  );
}

function drawLive(live, { failed = false } = {}) {
  // The service says when a panel's own source went quiet; a failed fetch makes every panel doubtful.
  const stale = (data) => ({ ...data, stale: failed || data.stale });
  $("#live").dataset.failed = String(failed);
  $("#live-body").replaceChildren(
    panel("outages", stale({ stale: false, items: live.outages }), (o) => `${o.name}${o.reason ? ` — ${o.reason}` : ""}`),
    panel("alerts", stale(live.alerts), (a) => a.text),
    panel("lockers", stale(live.lockers), (b) => `${b.name}: ${t("kiosk.free", { free: Object.values(b.availability).reduce((n, s) => n + s.free, 0) })}`),
    panel("vehicles", stale(live.vehicles), (v) => `${v.name}: ${t("kiosk.available", { count: v.num_vehicles_available })}`),
  );
}

const NO_LIVE = { outages: [], alerts: { items: [] }, lockers: { items: [] }, vehicles: { items: [] } };

async function refreshLive() {
  let live;
  try {
    live = await get("/live");
  } catch {
    // No answer: not "nothing to report" but "cannot tell", over the last panels shown (if any).
    drawLive(state.live ?? NO_LIVE, { failed: true });
    return;
  }
  if (!live) return;
  state.live = live;
  const outages = live.outages.map((o) => o.place_code).join(" ");
  drawLive(live);
  $("#live").dataset.outages = outages;
  if (outages !== state.outages) {
    // Equipment changed: redraw the plan and the route on screen, which may now go another way.
    state.outages = outages;
    await loadMap();
    await showRoute();
  }
}

async function loadMap() {
  const map = await get("/map");
  if (!map) return;
  state.map = map;
  drawPlan();
}

// -- chrome ---------------------------------------------------------------------------------------

function drawChrome() {
  $("#languages").setAttribute("aria-label", t("kiosk.languages"));
  $("#languages").replaceChildren(
    ...LANGUAGES.map((tag) =>
      h(
        "button",
        { type: "button", class: "button", lang: tag, "data-lang": tag, "aria-pressed": String(lang() === tag), onClick: () => i18n.setLocale(tag, { persist: false }) },
        autonym(tag),
      ),
    ),
  );
  $("#kiosk-title").textContent = t("kiosk.title");
  document.title = t("kiosk.title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.getAttribute("data-i18n"));
  $("#search").placeholder = t("kiosk.searchPlaceholder");
  $("#search").setAttribute("aria-label", t("kiosk.search"));
  $("#text-size").setAttribute("aria-label", t("kiosk.textSize"));
  $("#contrast").setAttribute("aria-label", t("kiosk.contrast"));
  $("#profiles").replaceChildren(
    ...PROFILES.map((profile) =>
      h(
        "button",
        {
          type: "button",
          class: `button${state.profile === profile ? " button--primary" : ""}`,
          "aria-pressed": String(state.profile === profile),
          "data-profile": profile,
          onClick: () => {
            state.profile = profile;
            drawChrome();
            showRoute();
          },
        },
        t(`kiosk.profile.${profile}`),
      ),
    ),
  );
}

async function main() {
  await i18n.start({ supported: LANGUAGES, storageKey: null });
  await i18n.addSource(new URL("./i18n/", import.meta.url));
  i18n.addEventListener("change", async () => {
    drawChrome();
    // Everything the API wrote (places, levels, steps, hits, panels) is fetched again in the new language.
    clearTimeout(searchTimer);
    await Promise.all([loadMap(), showHits(), refreshLive()]);
    await showRoute();
  });
  $("#search").addEventListener("input", onSearch);
  $("#text-size").addEventListener("click", () => {
    const larger = prefs.text === "normal";
    prefs.set("text", larger ? "larger" : "normal");
    $("#text-size").setAttribute("aria-pressed", String(larger));
  });
  $("#contrast").addEventListener("click", () => {
    const high = prefs.contrast === "normal";
    prefs.set("contrast", high ? "high" : "normal");
    $("#contrast").setAttribute("aria-pressed", String(high));
  });
  drawChrome();
  await loadMap();
  await refreshLive();
  mountAgenda({ station, api });
  const poll = async () => {
    try {
      await refreshLive();
    } finally {
      setTimeout(poll, 2000);
    }
  };
  setTimeout(poll, 2000);
  document.body.dataset.ready = "true";
}

main();
