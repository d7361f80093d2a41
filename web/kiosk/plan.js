// The station plan of one level, drawn from the graph's coordinates as an SVG: each place with the
// icon of its kind and its name (placed so that labels do not overlap), its pathways, the landings
// its lifts and stairs lead to, and a route over it with numbered level changes. Used by the kiosk
// (/kiosk/) and by the console's route preview; the styles are in ./plan.css.

import { svg } from "../common/dom.js";

/**
 * A place of the kiosk's GET /map (the fields the plan uses).
 * @typedef {{ code: string, kind: string, name: string, lat: number, lon: number, level_code: string, line?: string | null, out_of_service?: boolean }} Place
 */
/** @typedef {{ code: string, from_code: string, to_code: string, mode: string }} Pathway */
/** @typedef {{ places: Place[], pathways: Pathway[], levels: Array<{ code: string, name: string }> }} StationMap */
/** @typedef {{ places: string[], steps: Array<{ level_change: string, pathways: string[] }> }} Route */
/** @typedef {[number, number]} Point */
/** @typedef {{ x: number, y: number, w: number, h: number }} Box */
/** @typedef {{ lines: string[], at: Point, classes: string, code: string }} Label */

// The plan is drawn in units of about a pixel on a 1080 px wide portrait kiosk.
const W = 1000;
const H = 700;
const MARGIN = 90;
const FONT = 24;
const LINE = 28;
const ICON = 20;
// The glyph in each place's icon (DejaVu/Noto cover all of them); platforms show their line.
/** @type {Record<string, string>} */
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

/**
 * Where each place goes on the plan: the places' box fitted to the plan, north up, centred.
 * @param {Array<{ lat: number, lon: number }>} places
 * @returns {(place: { lat: number, lon: number }) => Point}
 */
export function projector(places) {
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

/** @type {CanvasRenderingContext2D | null} */
let measureContext = null;
/**
 * @param {string} text
 * @param {number} [weight]
 */
function textWidth(text, weight = 400) {
  measureContext ??= document.createElement("canvas").getContext("2d");
  measureContext.font = `${weight} ${FONT}px "Noto Sans", "Noto Sans CJK SC", "Noto Naskh Arabic", sans-serif`;
  return measureContext.measureText(text).width;
}

/**
 * A long name goes on two lines, cut at the space nearest its middle.
 * @param {string} text
 * @returns {string[]}
 */
export function wrap(text) {
  if (text.length < 22) return [text];
  const middle = text.length / 2;
  let cut = -1;
  for (let i = 0; i < text.length; i += 1) if (text[i] === " " && (cut < 0 || Math.abs(i - middle) < Math.abs(cut - middle))) cut = i;
  return cut < 0 ? [text] : [text.slice(0, cut), text.slice(cut + 1)];
}

/** @type {(a: Box, b: Box) => number} */
const overlapArea = (a, b) =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

// Greedy label placement: each label (most important first) takes the first position around its
// place, near then farther (with a leader line), that hits no icon, no label placed before it and
// stays on the plan; when none is free, the one that overlaps least.
/**
 * @param {Label[]} items
 * @param {Point[]} icons
 * @param {(text: string, weight: number) => number} [measure] a line's width in plan units
 * @returns {Array<Label & { box: Box, cost: number, far: boolean }>}
 */
export function placeLabels(items, icons, measure = textWidth) {
  const taken = icons.map(([x, y]) => ({ x: x - ICON - 4, y: y - ICON - 4, w: 2 * ICON + 8, h: 2 * ICON + 8 }));
  /** @type {Array<Label & { box: Box, cost: number, far: boolean }>} */
  const placed = [];
  for (const item of items) {
    // With room to spare: the canvas measures with a font the SVG may not pick for every script.
    const w = Math.max(...item.lines.map((line, i) => measure(line, i === 0 ? 600 : 400))) * 1.1 + 10;
    const h = item.lines.length * LINE + 4;
    const [x, y] = item.at;
    /** @type {{ box: Box, cost: number, far: boolean } | null} */
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

/** @param {Label & { box: Box, far: boolean }} label */
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

/**
 * @param {Place} place
 * @param {Point} at
 * @param {boolean} ghost
 */
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

/**
 * Which step of the route each level change belongs to, numbered 1, 2… as in the step list.
 * @param {Route} route
 * @param {Map<string, Place>} byCode
 */
export function levelChanges(route, byCode) {
  /** @type {Map<number, number>} step index -> its number */
  const numbers = new Map();
  let n = 0;
  route.steps.forEach((step, i) => {
    if (step.level_change !== "none") numbers.set(i, (n += 1));
  });
  /** @type {Array<{ from: Place, to: Place, number: number, up: boolean }>} */
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

/**
 * The plan of `level` as an <svg>: map is the kiosk's GET /map; route (optional) a route of
 * GET /route; here and to the codes of the places to put first (where the kiosk stands, the
 * destination); hereLabel the line under `here`'s name; label the plan's accessible name; measure
 * a line's width (the page's canvas by default).
 * @param {{ map: StationMap, level: string, route?: Route | null, here?: string | null, to?: string | null, hereLabel?: string, label?: string, measure?: (text: string, weight: number) => number }} options
 */
export function planSvg({ map, level, route = null, here = null, to = null, hereLabel = "", label = "", measure = textWidth }) {
  const byCode = new Map(map.places.map((p) => [p.code, p]));
  const onLevel = (/** @type {string} */ code) => byCode.get(code)?.level_code === level;
  const levelPlaces = map.places.filter((p) => p.level_code === level);
  // Landings on other levels that this level's pathways reach, drawn faint: where the lifts,
  // escalators and stairs lead.
  // Only on a level with few places of its own, or when the route comes or goes that way.
  const sparse = levelPlaces.filter((p) => p.kind !== "node").length < 6;
  const routePlaces = new Set(route?.places ?? []);
  /** @type {Map<string, Place>} */
  const ghosts = new Map();
  for (const p of map.pathways) {
    for (const [mine, other] of [[p.from_code, p.to_code], [p.to_code, p.from_code]]) {
      if (onLevel(mine) && !onLevel(other) && (sparse || (routePlaces.has(mine) && routePlaces.has(other)))) ghosts.set(other, byCode.get(other));
    }
  }
  /** @type {Map<string, Point>} */
  const positions = new Map();
  const project = projector([...levelPlaces, ...ghosts.values()]);
  for (const p of levelPlaces) positions.set(p.code, project(p));
  // A landing at the same spot as a place of this level (a lift shaft) moves aside, so that both show.
  for (const [code, p] of ghosts) {
    let [x, y] = project(p);
    while ([...positions.values()].some(([px, py]) => Math.hypot(px - x, py - y) < 2 * ICON + 6)) x += 2 * ICON + 10;
    positions.set(code, [x, y]);
  }
  const levelName = (/** @type {string} */ code) => map.levels.find((lv) => lv.code === code)?.name ?? code;
  const lines = map.pathways
    .filter((p) => positions.has(p.from_code) && positions.has(p.to_code) && (onLevel(p.from_code) || onLevel(p.to_code)))
    .map((p) => {
      const [x1, y1] = positions.get(p.from_code);
      const [x2, y2] = positions.get(p.to_code);
      const vertical = !(onLevel(p.from_code) && onLevel(p.to_code));
      return svg("line", { x1, y1, x2, y2, class: `plan__pathway plan__pathway--${p.mode}${vertical ? " plan__pathway--vertical" : ""}` });
    });
  const routeNodes = [];
  /** @type {Element[]} */
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
    /** @type {(code: string, text: string, cls: string, dx: number, dy: number) => void} */
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
  const important = (/** @type {Place} */ p) => (p.code === here || p.code === to ? 0 : onRoute.has(p.code) ? 1 : p.kind === "platform" || p.kind === "entrance_exit" ? 2 : 3);
  const labelled = [...levelPlaces.filter((p) => p.kind !== "node"), ...[...ghosts.values()].filter((p) => p.kind !== "node")];
  labelled.sort((a, b) => important(a) - important(b) || (ghosts.has(a.code) ? 1 : 0) - (ghosts.has(b.code) ? 1 : 0));
  const labels = placeLabels(
    labelled.map((p) => {
      const ghost = ghosts.has(p.code);
      const lines = wrap(p.name);
      if (ghost) lines.push(levelName(p.level_code));
      if (p.code === here) lines.push(hereLabel);
      return { lines, at: positions.get(p.code), classes: `${ghost ? "plan__label--ghost" : ""}${onRoute.has(p.code) ? " plan__label--route" : ""}`, code: p.code };
    }),
    [...positions.values()],
    measure,
  );
  const icons = [...levelPlaces, ...ghosts.values()].map((p) =>
    p.kind === "node" ? svg("circle", { cx: positions.get(p.code)[0], cy: positions.get(p.code)[1], r: 6, class: "plan__node", "data-place": p.code }) : icon(p, positions.get(p.code), ghosts.has(p.code)),
  );
  return svg(
    "svg",
    { class: "plan", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${label} — ${levelName(level)}` },
    ...lines,
    ...routeNodes,
    ...labels.flatMap((placed) => labelNodes(placed)),
    ...icons,
    ...markers,
  );
}

