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

// The plan is drawn in units of about a pixel on a 1080 px wide portrait kiosk.
const W = 1000;
const H = 700;
const MARGIN = 90;
const FONT = 24;
const LINE = 28;
const ICON = 20;
// The glyph in each place's icon (DejaVu/Noto cover all of them); platforms show their line.
const GLYPHS = {
  entrance_exit: "⇱",
  hall: "◇",
  fare_gate: "⊓",
  lift: "⇅",
  escalator: "↗",
  travelator: "⇉",
  stairs: "≡",
  locker_bank: "▦",
  vehicle_station: "V",
  toilets: "WC",
  ticket_office: "€",
  information: "i",
  shop: "S",
  food: "☕",
  service: "+",
};

function projector(places) {
  const lats = places.map((p) => p.lat);
  const lons = places.map((p) => p.lon);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const cos = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const width = (maxLon - minLon) * cos;
  const height = maxLat - minLat;
  const scale = Math.min((W - 2 * MARGIN) / Math.max(width, 1e-9), (H - 2 * MARGIN) / Math.max(height, 1e-9));
  // Centred; north up, east right (as the station's signs draw it), whatever the page's direction.
  const x0 = (W - width * scale) / 2;
  const y0 = (H - height * scale) / 2;
  return (place) => [x0 + (place.lon - minLon) * cos * scale, y0 + (maxLat - place.lat) * scale];
}

let measureContext = null;
function textWidth(text, weight = 400) {
  measureContext ??= document.createElement("canvas").getContext("2d");
  measureContext.font = `${weight} ${FONT}px "Noto Sans", "Noto Sans CJK SC", "Noto Naskh Arabic", sans-serif`;
  return measureContext.measureText(text).width;
}

// A long name goes on two lines, cut at the space nearest its middle.
function wrap(text) {
  if (text.length < 22) return [text];
  const middle = text.length / 2;
  let cut = -1;
  for (let i = 0; i < text.length; i += 1) if (text[i] === " " && (cut < 0 || Math.abs(i - middle) < Math.abs(cut - middle))) cut = i;
  return cut < 0 ? [text] : [text.slice(0, cut), text.slice(cut + 1)];
}

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const overlapArea = (a, b) =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

// Greedy label placement: each label (most important first) takes the first position around its
// place, near then farther (with a leader line), that hits no icon, no label placed before it and
// stays on the plan; when none is free, the one that overlaps least.
function placeLabels(items, icons) {
  const taken = icons.map(([x, y]) => ({ x: x - ICON - 4, y: y - ICON - 4, w: 2 * ICON + 8, h: 2 * ICON + 8 }));
  const placed = [];
  for (const item of items) {
    // With room to spare: the canvas measures with a font the SVG may not pick for every script.
    const w = Math.max(...item.lines.map((line, i) => textWidth(line, i === 0 ? 600 : 400))) * 1.1 + 10;
    const h = item.lines.length * LINE + 4;
    const [x, y] = item.at;
    let best = null;
    for (const d of [ICON + 8, ICON + 50, ICON + 100, ICON + 160]) {
      const candidates = [
        { x: x + d, y: y - h / 2 },
        { x: x - d - w, y: y - h / 2 },
        { x: x - w / 2, y: y - d - h },
        { x: x - w / 2, y: y + d },
        { x: x + d * 0.7, y: y - d * 0.7 - h },
        { x: x - d * 0.7 - w, y: y - d * 0.7 - h },
        { x: x + d * 0.7, y: y + d * 0.7 },
        { x: x - d * 0.7 - w, y: y + d * 0.7 },
      ];
      for (const c of candidates) {
        const box = { x: c.x, y: c.y, w, h };
        const outside = box.x < 2 || box.y < 2 || box.x + w > W - 2 || box.y + h > H - 2 ? 1e6 : 0;
        // Any overlap costs more than going farther.
        const cost = outside + 50 * taken.reduce((sum, other) => sum + overlapArea(box, other), 0) + d;
        if (!best || cost < best.cost) best = { box, cost, far: d > ICON + 8 };
      }
      if (best.cost <= d) break;
    }
    taken.push(best.box);
    placed.push({ ...item, ...best });
  }
  return placed;
}

function labelNodes({ box, lines, at, far, classes }) {
  const nodes = [];
  if (far) {
    // The leader line goes from the icon's edge to the nearest point of the label.
    const tx = Math.max(box.x, Math.min(at[0], box.x + box.w));
    const ty = Math.max(box.y, Math.min(at[1], box.y + box.h));
    nodes.push(svg("line", { x1: at[0], y1: at[1], x2: tx, y2: ty, class: "plan__leader" }));
  }
  nodes.push(svg("rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 6, class: "plan__label-box" }));
  nodes.push(
    svg(
      "text",
      { x: box.x + 4, y: box.y + LINE - 6, class: `plan__label ${classes}` },
      ...lines.map((line, i) => svg("tspan", { x: box.x + 4, dy: i === 0 ? 0 : LINE, class: i === 0 ? "plan__label-name" : "" }, line)),
    ),
  );
  return nodes;
}

function icon(place, [x, y], ghost) {
  const classes = `plan__icon plan__icon--${place.kind}${place.out_of_service ? " plan__icon--out" : ""}${ghost ? " plan__icon--ghost" : ""}`;
  const glyph = place.kind === "platform" ? place.line || "▬" : GLYPHS[place.kind] || "•";
  const shape =
    place.kind === "platform"
      ? svg("rect", { x: x - ICON, y: y - ICON, width: 2 * ICON, height: 2 * ICON, rx: 8, class: classes })
      : svg("circle", { cx: x, cy: y, r: ICON, class: classes });
  return svg(
    "g",
    { "data-place": place.code, "data-kind": place.kind },
    shape,
    svg("text", { x, y: y + 7, class: "plan__glyph", "text-anchor": "middle" }, glyph),
    place.out_of_service ? svg("line", { x1: x - ICON, y1: y + ICON, x2: x + ICON, y2: y - ICON, class: "plan__cross" }) : null,
  );
}

// Which step of the route each level change belongs to, numbered 1, 2… as in the step list.
function levelChanges(route, byCode) {
  const numbers = new Map();
  let n = 0;
  route.steps.forEach((step, i) => {
    if (step.level_change !== "none") numbers.set(i, (n += 1));
  });
  const changes = [];
  let pathway = 0;
  route.steps.forEach((step, i) => {
    for (let k = 0; k < step.pathways.length; k += 1, pathway += 1) {
      const a = byCode.get(route.places[pathway]);
      const b = byCode.get(route.places[pathway + 1]);
      if (a && b && a.level_code !== b.level_code) changes.push({ from: a, to: b, number: numbers.get(i) ?? n, up: step.level_change === "up" });
    }
  });
  return { numbers, changes };
}

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
  const onLevel = (code) => byCode.get(code)?.level_code === level;
  const levelPlaces = map.places.filter((p) => p.level_code === level);
  // Landings on other levels that this level's pathways reach, drawn faint: where the lifts,
  // escalators and stairs lead.
  // Only on a level with few places of its own, or when the route comes or goes that way.
  const sparse = levelPlaces.filter((p) => p.kind !== "node").length < 6;
  const routePlaces = new Set((state.route?.route ?? state.route?.alternative)?.places ?? []);
  const ghosts = new Map();
  for (const p of map.pathways) {
    for (const [mine, other] of [[p.from_code, p.to_code], [p.to_code, p.from_code]]) {
      if (onLevel(mine) && !onLevel(other) && (sparse || (routePlaces.has(mine) && routePlaces.has(other)))) ghosts.set(other, byCode.get(other));
    }
  }
  const positions = new Map();
  const project = projector([...levelPlaces, ...ghosts.values()]);
  for (const p of levelPlaces) positions.set(p.code, project(p));
  // A landing at the same spot as a place of this level (a lift shaft) moves aside, so that both show.
  for (const [code, p] of ghosts) {
    let [x, y] = project(p);
    while ([...positions.values()].some(([px, py]) => Math.hypot(px - x, py - y) < 2 * ICON + 6)) x += 2 * ICON + 10;
    positions.set(code, [x, y]);
  }
  const levelName = (code) => map.levels.find((lv) => lv.code === code)?.name ?? code;
  const lines = map.pathways
    .filter((p) => positions.has(p.from_code) && positions.has(p.to_code) && (onLevel(p.from_code) || onLevel(p.to_code)))
    .map((p) => {
      const [x1, y1] = positions.get(p.from_code);
      const [x2, y2] = positions.get(p.to_code);
      const vertical = !(onLevel(p.from_code) && onLevel(p.to_code));
      return svg("line", { x1, y1, x2, y2, class: `plan__pathway plan__pathway--${p.mode}${vertical ? " plan__pathway--vertical" : ""}` });
    });
  const routeNodes = [];
  const markers = [];
  if (route) {
    const segments = [];
    for (let i = 1; i < route.places.length; i += 1) {
      const [a, b] = [route.places[i - 1], route.places[i]];
      if (!(onLevel(a) || onLevel(b)) || !positions.has(a) || !positions.has(b)) continue;
      const [x1, y1] = positions.get(a);
      const [x2, y2] = positions.get(b);
      segments.push({ a, b, x1, y1, x2, y2 });
    }
    // A white casing under the route keeps it apart from the pathways it follows.
    for (const s of segments) routeNodes.push(svg("line", { x1: s.x1, y1: s.y1, x2: s.x2, y2: s.y2, class: "plan__route-casing" }));
    for (const s of segments) routeNodes.push(svg("line", { x1: s.x1, y1: s.y1, x2: s.x2, y2: s.y2, class: "plan__route", "data-from": s.a, "data-to": s.b }));
    const badge = (code, text, cls, dx, dy) => {
      const [x, y] = positions.get(code);
      markers.push(
        svg(
          "g",
          { class: `plan__marker ${cls}`, "data-marker": code },
          svg("circle", { cx: x + dx, cy: y + dy, r: 17 }),
          svg("text", { x: x + dx, y: y + dy + 7, "text-anchor": "middle" }, text),
        ),
      );
    };
    const { changes } = levelChanges(route, byCode);
    const marked = new Set();
    for (const c of changes) {
      for (const p of [c.from, c.to]) {
        if (!positions.has(p.code) || marked.has(`${p.code}:${c.number}`)) continue;
        if (!onLevel(p.code) && !onLevel(p === c.from ? c.to.code : c.from.code)) continue;
        marked.add(`${p.code}:${c.number}`);
        badge(p.code, String(c.number), "plan__marker--change", ICON, -ICON);
      }
    }
    const first = route.places[0];
    const last = route.places[route.places.length - 1];
    if (onLevel(first)) badge(first, "▶", "plan__marker--start", -ICON, -ICON);
    if (onLevel(last)) badge(last, "⚑", "plan__marker--end", -ICON, -ICON);
  }
  const onRoute = new Set(route?.places ?? []);
  const important = (p) => (p.code === here || p.code === state.to ? 0 : onRoute.has(p.code) ? 1 : p.kind === "platform" || p.kind === "entrance_exit" ? 2 : 3);
  const labelled = [...levelPlaces.filter((p) => p.kind !== "node"), ...[...ghosts.values()].filter((p) => p.kind !== "node")];
  labelled.sort((a, b) => important(a) - important(b) || (ghosts.has(a.code) ? 1 : 0) - (ghosts.has(b.code) ? 1 : 0));
  const labels = placeLabels(
    labelled.map((p) => {
      const ghost = ghosts.has(p.code);
      const lines = wrap(p.name);
      if (ghost) lines.push(levelName(p.level_code));
      if (p.code === here) lines.push(t("kiosk.here"));
      return { lines, at: positions.get(p.code), classes: `${ghost ? "plan__label--ghost" : ""}${onRoute.has(p.code) ? " plan__label--route" : ""}`, code: p.code };
    }),
    [...positions.values()],
  );
  const icons = [...levelPlaces, ...ghosts.values()].map((p) =>
    p.kind === "node" ? svg("circle", { cx: positions.get(p.code)[0], cy: positions.get(p.code)[1], r: 6, class: "plan__node", "data-place": p.code }) : icon(p, positions.get(p.code), ghosts.has(p.code)),
  );
  const title = levelName(level);
  $("#plan").replaceChildren(
    svg(
      "svg",
      { class: "plan", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${t("kiosk.plan")} — ${title}` },
      ...lines,
      ...routeNodes,
      ...labels.flatMap((label) => labelNodes(label)),
      ...icons,
      ...markers,
    ),
  );
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
  const results = await get("/search", { q });
  if (!results) return;
  $("#hits").replaceChildren(
    ...results.hits.map((hit) =>
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

async function refreshLive() {
  const live = await get("/live");
  if (!live) return;
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
