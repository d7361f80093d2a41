// The station's kiosk (/kiosk/), a 1080×1920 portrait touch screen: an attract screen in the
// station's languages; then, on one screen without scrolling, search or pick a destination (inside
// the station, or outside it: "which exit for the 153?"), the route step by step on the plan of each
// level (it follows live outages), a QR code that hands it to the traveller app, the next departures
// and the live panels. After a minute without a touch it goes back to its start.
// Static ES module, no build step.
//
// Address: /kiosk/?station=<slug>&here=<place code>&idle=<seconds> (where the kiosk stands, the
// hall by default; the idle wait, 60 s by default, shorter in tests).

import { Api, ApiError } from "../common/api.js";
import { boardRows, distanceText, isolated, textOn, walkingMinutes } from "../common/departures.js";
import { $, h } from "../common/dom.js";
import { autonym, i18n, t } from "../common/i18n.js";
import { itemsOf } from "../common/pages.js";
import { DisplayPreferences } from "../common/prefs.js";
import { mountAgenda } from "./agenda/agenda.js";
import { IdleWatch, idleDelay } from "./idle.js";
import { levelChanges, planSvg } from "./plan.js";

const LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "zh", "ar"];
// The station's language: the one the kiosk starts in, and goes back to for the next person.
const DEFAULT_LANGUAGE = LANGUAGES[0];
// What the next person finds: the station's language, or the one an event's welcome sets for its
// dates (a trade fair's visitors), read by the agenda panel at start.
let startLanguage = DEFAULT_LANGUAGE;
// "Touch to start", each in its own language: the attract screen shows them all at once.
/** @type {Record<string, string>} */
const TOUCH_TO_START = {
  fr: "Touchez l'écran pour commencer",
  en: "Touch the screen to start",
  es: "Toque la pantalla para empezar",
  de: "Berühren Sie den Bildschirm, um zu beginnen",
  it: "Tocca lo schermo per iniziare",
  pt: "Toque no ecrã para começar",
  zh: "触摸屏幕开始",
  ar: "المس الشاشة للبدء",
};
const PROFILES = ["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"];
// Destinations a traveller picks without typing: each fills the search with words it understands
// in every language (the service searches names and kinds in all of them).
const PICKS = [
  { key: "platforms", query: "quai" },
  { key: "exits", query: "sortie" },
  { key: "bus", query: "bus" },
  { key: "bikes", query: "vélib" },
  { key: "taxi", query: "taxi" },
  { key: "toilets", query: "toilettes" },
];
const params = new URLSearchParams(location.search);
const station = params.get("station") || "saint-denis-pleyel";
const here = params.get("here") || "hall";
const base = `/api/v1/stations/${encodeURIComponent(station)}/kiosk`;
const api = new Api();
// A kiosk keeps nothing for the next person.
const prefs = new DisplayPreferences({ storageKey: null });

const state = {
  map: null,
  level: null,
  to: null,
  profile: "fastest",
  route: null,
  outages: "",
  live: null,
  stationName: "",
  departures: null,
  departuresFailed: false,
  disruptions: [],
};

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
  const to = state.route?.outside?.exit_code ?? state.to;
  $("#plan").replaceChildren(planSvg({ map, level, route, here, to, hereLabel: t("kiosk.here"), label: t("kiosk.plan") }));
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
  const results = await get("/search", { q, limit: 8 });
  if (!results) return;
  // The best hits first: the first page, eight of them, is all the kiosk shows.
  $("#hits").replaceChildren(...itemsOf(results, "/search").map(hitItem));
}

/** A place inside; or what is outside an exit, with the exit to take ("which exit for …"). */
function hitItem(hit) {
  const destination = hit.destination;
  const code = destination ? destination.code : hit.place.code;
  // A dock outside: its bikes now, from the live panel bike_share's events feed.
  const dock = destination?.vehicle_station_id
    ? (state.live?.vehicles?.items ?? []).find((v) => v.vehicle_station_id === destination.vehicle_station_id)
    : null;
  const content = destination
    ? [
        h(
          "span",
          { class: "hit__name" },
          h("span", { class: "hit__text" }, destination.name),
          ...destination.lines.map((line) => h("span", { class: "hit__line" }, line)),
          dock ? h("span", { class: "hit__line hit__bikes", "data-available": String(dock.num_vehicles_available) }, t("kiosk.available", { count: dock.num_vehicles_available })) : null,
        ),
        h(
          "span",
          { class: "hit__exit" },
          t("kiosk.viaExit", { exit: hit.place.name, distance: isolated(distanceText(destination.walking_m, lang())) }),
        ),
      ]
    : [h("span", { class: "hit__name" }, hit.place.name)];
  return h(
    "li",
    null,
    h(
      "button",
      {
        type: "button",
        class: `button button--block hit${code === state.to ? " button--primary" : ""}`,
        "aria-pressed": String(code === state.to),
        "data-code": code,
        "data-exit": destination ? hit.place.code : null,
        "data-kind": destination ? destination.kind : hit.place.kind,
        onClick: () => choose(code),
      },
      ...content,
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
  const outside = answer.outside;
  if (answer.route) {
    const seconds = answer.route.time_s + (outside ? outside.walking_s : 0);
    body.push(h("p", { class: "list__title" }, t("kiosk.duration", { minutes: Math.max(1, Math.round(seconds / 60)) })), steps(answer.route));
    if (outside) body.push(outsideStep(outside));
  } else {
    body.push(h("p", { class: "route__explanation", role: "alert", id: "route-explanation" }, answer.explanation.message));
    if (answer.alternative) body.push(h("h3", null, t("kiosk.alternative")), steps(answer.alternative));
  }
  const container = $("#route-body");
  container.replaceChildren(...body);
  $("#route").dataset.places = shown ? shown.places.join(" ") : "";
  $("#route").dataset.found = String(answer.found);
  $("#route").dataset.exit = outside ? outside.exit_code : "";
  const qr = new URLSearchParams({ from: here, to: state.to, profile: state.profile, lang: lang() });
  $("#qr-image").src = `${base}/route/qr?${qr}`;
  $("#qr-image").alt = t("kiosk.qr");
  $("#qr").hidden = false;
  const end = outside ? outside.exit_code : state.to;
  const destination = state.map?.places.find((p) => p.code === end);
  if (destination) state.level = destination.level_code;
  drawPlan();
}

/** The walk outside, after the exit: how far, how long, to what (and its lines). */
function outsideStep(outside) {
  const d = outside.destination;
  return h(
    "p",
    { class: "route__outside", id: "route-outside", "data-destination": d.code },
    h("span", { class: "route__change", "aria-hidden": "true" }, "⇱"),
    t("kiosk.outside", { distance: isolated(distanceText(outside.walking_m, lang())), minutes: walkingMinutes(outside.walking_s), name: d.name }),
    d.lines.length ? h("span", { class: "route__lines" }, ...d.lines.map((line) => h("span", { class: "hit__line" }, line))) : null,
  );
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
  drawAlerts();
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
  // The board names the exits by the map's places: in the map's language, whichever came back first.
  drawDepartures();
}

// -- departures and disruptions -------------------------------------------------------------------

async function refreshDepartures() {
  try {
    const answer = await get("/departures");
    if (!answer) return;
    state.departures = answer;
    state.departuresFailed = false;
  } catch (error) {
    // No departures at this station (404): the board says so. A failure keeps the last board shown.
    if (error instanceof ApiError && error.status === 404) state.departures = null;
    state.departuresFailed = true;
  }
  drawDepartures();
}

function drawDepartures() {
  const rows = boardRows(state.departures, Date.now(), { perLine: 2, limit: 8 });
  const board = $("#departures");
  board.dataset.rows = String(rows.length);
  board.dataset.failed = String(state.departuresFailed);
  if (!rows.length) {
    $("#departures-body").replaceChildren(h("p", { class: "muted kiosk__empty", id: "departures-none" }, t("kiosk.noDepartures")));
    return;
  }
  const exits = new Map((state.map?.places ?? []).map((p) => [p.code, p.name]));
  $("#departures-body").replaceChildren(
    h(
      "table",
      { class: "board" },
      h(
        "thead",
        null,
        h("tr", null, h("th", { scope: "col" }, t("kiosk.line")), h("th", { scope: "col" }, t("kiosk.direction")), h("th", { scope: "col" }, t("kiosk.in"))),
      ),
      h(
        "tbody",
        null,
        rows.map((row) =>
          h(
            "tr",
            { "data-status": row.status, "data-mode": row.mode },
            h("td", null, h("span", { class: "board__line", style: row.color ? { background: row.color, color: textOn(row.color) } : null }, row.line)),
            h(
              "td",
              null,
              h("span", { class: "board__direction" }, row.destination),
              row.exitCode && exits.has(row.exitCode) ? h("span", { class: "board__exit" }, exits.get(row.exitCode)) : null,
            ),
            h(
              "td",
              { class: "board__time" },
              row.status === "cancelled"
                ? h("span", { class: "board__cancelled" }, t("kiosk.cancelled"))
                : row.minutes === 0
                  ? t("kiosk.now")
                  : t("kiosk.minutes", { minutes: row.minutes }),
              row.status === "delayed" && row.delayMinutes ? h("span", { class: "board__delay" }, ` +${row.delayMinutes}`) : null,
            ),
          ),
        ),
      ),
    ),
  );
}

async function refreshDisruptions() {
  try {
    const answer = await get("/disruptions", { limit: 5 });
    if (!answer) return;
    state.disruptions = itemsOf(answer, "/disruptions");
  } catch {
    state.disruptions = [];
  }
  drawAlerts();
}

/** A text of a disruption in the kiosk's language, else French, else any. */
function localText(texts) {
  if (!texts || typeof texts === "string") return texts ?? "";
  return texts[lang()] ?? texts[DEFAULT_LANGUAGE] ?? Object.values(texts)[0] ?? "";
}

/** Alerts and disruptions at the top, where a person standing in front of the kiosk sees them. */
function drawAlerts() {
  const alerts = (state.live?.alerts?.items ?? []).map((a) => ({ severity: a.severity, text: a.text }));
  const disruptions = state.disruptions.map((d) => ({ severity: d.severity, text: localText(d.text) }));
  const all = [...alerts, ...disruptions].filter((a) => a.text).slice(0, 2);
  const banner = $("#alerts");
  banner.hidden = all.length === 0;
  banner.replaceChildren(...all.map((a) => h("p", { class: "kiosk__alert", "data-severity": a.severity }, a.text)));
}

// -- the next person --------------------------------------------------------------------------------

const idle = new IdleWatch(idleDelay(location.search), () => restart());

/** Back to the start: the route cleared, the default language back, the attract screen. */
async function restart() {
  idle.stop();
  clearTimeout(searchTimer);
  latest["/search"] = (latest["/search"] ?? 0) + 1;
  latest["/route"] = (latest["/route"] ?? 0) + 1;
  Object.assign(state, { to: null, route: null, level: null, profile: "fastest" });
  $("#search").value = "";
  $("#hits").replaceChildren();
  $("#route-body").replaceChildren(h("p", { class: "muted kiosk__empty" }, t("kiosk.chooseDestination")));
  $("#route").dataset.places = "";
  $("#route").dataset.found = "";
  $("#route").dataset.exit = "";
  $("#qr").hidden = true;
  if (lang() !== startLanguage) await i18n.setLocale(startLanguage, { persist: false });
  drawChrome();
  drawPlan();
  showAttract(true);
}

function showAttract(shown) {
  document.body.dataset.attract = String(shown);
  $("#attract").hidden = !shown;
  if (shown) $("#attract-languages button")?.focus();
  else idle.touch();
}

function drawAttract() {
  $("#attract-station").textContent = state.stationName || t("kiosk.title");
  $("#attract-languages").replaceChildren(
    ...LANGUAGES.map((tag) =>
      h(
        "li",
        null,
        h(
          "button",
          {
            type: "button",
            class: "attract__start",
            lang: tag,
            dir: tag === "ar" ? "rtl" : "ltr",
            "data-start": tag,
            onClick: async (/** @type {Event} */ event) => {
              event.stopPropagation();
              showAttract(false);
              if (lang() !== tag) await i18n.setLocale(tag, { persist: false });
              $("#search").focus();
            },
          },
          h("span", { class: "attract__autonym" }, autonym(tag)),
          h("span", { class: "attract__touch" }, TOUCH_TO_START[tag]),
        ),
      ),
    ),
  );
}

function tick() {
  $("#clock").textContent = i18n.formatTime(new Date());
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
  $("#kiosk-title").textContent = state.stationName || t("kiosk.title");
  document.title = state.stationName ? `${state.stationName} — ${t("kiosk.title")}` : t("kiosk.title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.getAttribute("data-i18n"));
  $("#search").placeholder = t("kiosk.searchPlaceholder");
  $("#search").setAttribute("aria-label", t("kiosk.search"));
  $("#text-size").setAttribute("aria-label", t("kiosk.textSize"));
  $("#contrast").setAttribute("aria-label", t("kiosk.contrast"));
  $("#picks").setAttribute("aria-label", t("kiosk.picks"));
  $("#picks").replaceChildren(
    ...PICKS.map((pick) =>
      h(
        "button",
        {
          type: "button",
          class: "button kiosk__pick",
          "data-pick": pick.key,
          onClick: () => {
            $("#search").value = pick.query;
            clearTimeout(searchTimer);
            showHits();
          },
        },
        t(`kiosk.pick.${pick.key}`),
      ),
    ),
  );
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

async function loadStation() {
  try {
    const about = await api.get(`/api/v1/stations/${encodeURIComponent(station)}`, { auth: "none" });
    state.stationName = about.name;
  } catch {
    state.stationName = "";
  }
}

async function main() {
  await i18n.start({ supported: LANGUAGES, storageKey: null, requested: params.get("lang") || DEFAULT_LANGUAGE });
  await i18n.addSource(new URL("./i18n/", import.meta.url));
  i18n.addEventListener("change", async () => {
    drawChrome();
    tick();
    // Everything the API wrote (places, levels, steps, hits, panels) is fetched again in the new language.
    clearTimeout(searchTimer);
    await Promise.all([loadMap(), showHits(), refreshLive(), refreshDepartures(), refreshDisruptions()]);
    if (state.to) await showRoute();
    else $("#route-body").replaceChildren(h("p", { class: "muted kiosk__empty" }, t("kiosk.chooseDestination")));
  });
  // Any touch, key or typing keeps the kiosk with the person in front of it.
  for (const type of ["pointerdown", "keydown", "input"]) {
    document.addEventListener(type, () => document.body.dataset.attract === "false" && idle.touch(), { capture: true });
  }
  $("#attract").addEventListener("click", () => showAttract(false));
  $("#restart").addEventListener("click", () => restart());
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
  await loadStation();
  drawChrome();
  drawAttract();
  tick();
  setInterval(tick, 10_000);
  $("#route-body").replaceChildren(h("p", { class: "muted kiosk__empty" }, t("kiosk.chooseDestination")));
  await loadMap();
  await Promise.all([refreshLive(), refreshDepartures(), refreshDisruptions()]);
  startDeparturesStream();
  setInterval(() => {
    refreshDepartures();
    refreshDisruptions();
  }, 30_000);
  mountAgenda({ station, api }).then((welcome) => {
    if (welcome) startLanguage = welcome;
  });
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

/** Departures as they change, over SSE; the 30 s poll covers a stream that cannot open. */
function startDeparturesStream() {
  if (state.departures === null) return; // no departures service at this station
  const stream = api.events(`${base}/departures/live`);
  stream.on("departures", (event) => {
    try {
      state.departures = event.json();
      state.departuresFailed = false;
      drawDepartures();
    } catch {
      // A garbled event: keep the board as it is; the next one or the poll repairs it.
    }
  });
  stream.start();
}

main();
