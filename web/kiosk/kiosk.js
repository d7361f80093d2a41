// The station's kiosk (/kiosk/): plan of each level drawn from the graph's coordinates, search in
// any language, a route step by step that follows live outages, live panels, and a QR code that
// hands the route to the traveller app on a phone. Static ES module, no build step.
//
// Address: /kiosk/?station=<slug>&here=<place code> (where the kiosk stands; the hall by default).

import { Api } from "../common/api.js";
import { $, h, svg } from "../common/dom.js";
import { autonym, i18n, t } from "../common/i18n.js";
import { DisplayPreferences } from "../common/prefs.js";

const LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "zh", "ar"];
const PROFILES = ["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"];
const params = new URLSearchParams(location.search);
const station = params.get("station") || "saint-denis-pleyel";
const here = params.get("here") || "hall";
const base = `/api/v1/stations/${encodeURIComponent(station)}/kiosk`;
const api = new Api();
// A kiosk keeps nothing for the next person.
const prefs = new DisplayPreferences({ storageKey: null });

const state = { map: null, level: null, to: null, profile: "fastest", route: null, outages: "" };

function lang() {
  return i18n.locale.split("-")[0];
}

async function get(path, query = {}) {
  return api.get(`${base}${path}`, { auth: "none", query: { lang: lang(), ...query } });
}

// -- plan ---------------------------------------------------------------------------------------

function projector(places) {
  const lats = places.map((p) => p.lat);
  const lons = places.map((p) => p.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const cos = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const width = Math.max((maxLon - minLon) * cos, 1e-9);
  const height = Math.max(maxLat - minLat, 1e-9);
  // Room on the east side for the labels.
  const scale = Math.min(75 / width, 80 / height);
  // North up, east right (as the station's signs draw it), whatever the page's direction.
  return (place) => [5 + (place.lon - minLon) * cos * scale, 5 + (maxLat - place.lat) * scale];
}

function drawPlan() {
  const map = state.map;
  if (!map) return;
  const byCode = new Map(map.places.map((p) => [p.code, p]));
  const level = state.level ?? byCode.get(here)?.level_code ?? map.levels[0]?.code;
  state.level = level;
  // Each level fills the plan: its places and the landings its pathways reach on other levels.
  const shown = new Set(map.places.filter((p) => p.level_code === level).map((p) => p.code));
  for (const p of map.pathways) {
    if (shown.has(p.from_code) || shown.has(p.to_code)) shown.add(p.from_code).add(p.to_code);
  }
  const project = projector(map.places.filter((p) => shown.has(p.code)));
  $("#levels").replaceChildren(
    ...map.levels.map((lv) =>
      h(
        "button",
        {
          type: "button",
          class: "button",
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
  const onLevel = (code) => byCode.get(code)?.level_code === level;
  const lines = map.pathways
    .filter((p) => onLevel(p.from_code) || onLevel(p.to_code))
    .map((p) => {
      const [x1, y1] = project(byCode.get(p.from_code));
      const [x2, y2] = project(byCode.get(p.to_code));
      const vertical = !(onLevel(p.from_code) && onLevel(p.to_code));
      return svg("line", { x1, y1, x2, y2, class: `plan__pathway${vertical ? " plan__pathway--vertical" : ""}` });
    });
  const route = state.route?.route ?? state.route?.alternative;
  const routeLines = [];
  if (route) {
    for (let i = 1; i < route.places.length; i += 1) {
      const a = byCode.get(route.places[i - 1]);
      const b = byCode.get(route.places[i]);
      if (a.level_code !== level && b.level_code !== level) continue;
      const [x1, y1] = project(a);
      const [x2, y2] = project(b);
      routeLines.push(svg("line", { x1, y1, x2, y2, class: "plan__route", "data-from": a.code, "data-to": b.code }));
    }
  }
  const marks = map.places
    .filter((p) => p.level_code === level && p.kind !== "node")
    .map((p) => {
      const [x, y] = project(p);
      const classes = `plan__place plan__place--${p.kind}${p.out_of_service ? " plan__place--out" : ""}`;
      return svg(
        "g",
        { "data-place": p.code },
        svg("circle", { cx: x, cy: y, r: p.code === here ? 2.6 : 1.8, class: p.code === here ? "plan__here" : classes }),
        // Labels of places on the east side go west of them, so that they stay on the plan.
        x > 60
          ? svg("text", { x: x - 2.5, y: y + 1, class: "plan__label", "text-anchor": "end" }, p.name)
          : svg("text", { x: x + 2.5, y: y + 1, class: "plan__label" }, p.name),
      );
    });
  const title = map.levels.find((lv) => lv.code === level)?.name ?? "";
  $("#plan").replaceChildren(
    svg(
      "svg",
      { class: "plan", viewBox: "0 0 120 100", role: "img", "aria-label": `${t("kiosk.plan")} — ${title}` },
      ...lines,
      ...routeLines,
      ...marks,
    ),
  );
}

// -- search and route -----------------------------------------------------------------------------

let searchTimer = null;
function onSearch() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const q = $("#search").value.trim();
    if (!q) return $("#hits").replaceChildren();
    const results = await get("/search", { q });
    $("#hits").replaceChildren(
      ...results.hits.map((hit) =>
        h(
          "li",
          null,
          h(
            "button",
            { type: "button", class: "button button--block", "data-code": hit.place.code, onClick: () => choose(hit.place.code) },
            hit.place.name,
          ),
        ),
      ),
    );
  }, 150);
}

async function choose(code) {
  state.to = code;
  await showRoute();
}

function steps(route) {
  return h(
    "ol",
    { class: "route__steps" },
    route.steps.map((step) =>
      h("li", { "data-mode": step.mode }, step.instruction, " ", h("span", { class: "muted" }, t("kiosk.duration", { minutes: Math.max(1, Math.round(step.time_s / 60)) }))),
    ),
  );
}

async function showRoute() {
  if (!state.to) return;
  const answer = await get("/route", { from: here, to: state.to, profile: state.profile });
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

async function refreshLive() {
  const live = await get("/live");
  const outages = live.outages.map((o) => o.place_code).join(" ");
  $("#live-body").replaceChildren(
    panel("outages", { stale: false, items: live.outages }, (o) => `${o.name}${o.reason ? ` — ${o.reason}` : ""}`),
    panel("alerts", live.alerts, (a) => a.text),
    panel("lockers", live.lockers, (b) => `${b.name}: ${t("kiosk.free", { free: Object.values(b.availability).reduce((n, s) => n + s.free, 0) })}`),
    panel("vehicles", live.vehicles, (v) => `${v.name}: ${t("kiosk.available", { count: v.num_vehicles_available })}`),
  );
  $("#live").dataset.outages = outages;
  if (outages !== state.outages) {
    // Equipment changed: redraw the plan and the route on screen, which may now go another way.
    state.outages = outages;
    await loadMap();
    await showRoute();
  }
}

async function loadMap() {
  state.map = await get("/map");
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
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
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
    await loadMap();
    await showRoute();
    await refreshLive();
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
