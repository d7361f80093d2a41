// The regions of a screen's layout: a CSS grid drawn from the document's `layout`, with the content
// rotation in its `content` region and, around it, a departures board (the kiosk's departures hot read
// and its live stream, through the gateway), a ticker of disruptions and a clock.

import { h } from "../common/dom.js";
import { icon, registerIcons } from "../common/icons.js";
import { EventStream } from "../common/sse.js";

// A vehicle-type icon per mode (24×24 strokes, like the project's other icons).
registerIcons({
  metro: ["M6 3h12a2 2 0 0 1 2 2v11a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V5a2 2 0 0 1 2-2z", "M4 11h16", "M8 19l-2 3M16 19l2 3", { circle: [8, 15, 0.8] }, { circle: [16, 15, 0.8] }],
  rer: ["M5 4h14l1 12a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3z", "M4.5 10h15", "M9 4v6M15 4v6", "M7 19l-2 3M17 19l2 3"],
  train: ["M5 4h14l1 12a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3z", "M4.5 10h15", "M7 19l-2 3M17 19l2 3"],
  bus: ["M5 3h14a1 1 0 0 1 1 1v13H4V4a1 1 0 0 1 1-1z", "M4 12h16", "M4 7h16", { circle: [7.5, 19, 1.6] }, { circle: [16.5, 19, 1.6] }],
  tram: ["M7 6h10a2 2 0 0 1 2 2v8a3 3 0 0 1-3 3H8a3 3 0 0 1-3-3V8a2 2 0 0 1 2-2z", "M5 12h14", "M9 2h6", "M12 2v4", "M8 19l-2 3M16 19l2 3"],
  ebike: [{ circle: [5.5, 16, 3.5] }, { circle: [18.5, 16, 3.5] }, "M5.5 16 9 9h6.5l3 7", "M12 16l3.5-7", "M7.5 6H10l1 3", "M13 2.5l-1.5 3h2.5l-1.5 3"],
  scooter: [{ circle: [5.5, 18, 2.5] }, { circle: [18.5, 18, 2.5] }, "M5.5 18H15l3-12h2.5", "M18.5 18 17 11"],
});
const MODE_ICON = { metro: "metro", subway: "metro", rer: "rer", rail: "train", train: "train", bus: "bus", tram: "tram", tramway: "tram" };
const STALE_AFTER_MS = 180_000;
const RTL = new Set(["ar", "he", "fa", "ur"]);

/** @typedef {{name: string, kind: string, [key: string]: any}} Region */

/** The icon of a mode of transport (metro, RER, bus, tram; a train for what is unknown). */
export function modeIcon(mode, label = null) {
  return icon(MODE_ICON[String(mode ?? "").toLowerCase()] ?? "train", { label, className: "mode-icon" });
}

/**
 * The icon of a vehicle type: by its GBFS form factor and propulsion where the count carries them
 * (bike_share tells them with each status), else by what its id says.
 * @param {{ vehicle_type_id?: string, form_factor?: string | null, propulsion_type?: string | null }} type
 */
export function vehicleIconOf(type) {
  const form = type?.form_factor;
  if (!form) return vehicleIcon(type?.vehicle_type_id);
  if (form.startsWith("scooter") || form === "moped") return "scooter";
  if (form === "car") return "car";
  const assisted = Boolean(type.propulsion_type) && type.propulsion_type !== "human";
  return assisted ? "ebike" : "bike";
}

/** The icon of a vehicle type, by what its id says (scooter, car, e-bike); a bike otherwise. */
export function vehicleIcon(typeId) {
  const id = String(typeId ?? "").toLowerCase();
  if (/scooter|trottinette|moped/.test(id)) return "scooter";
  if (/(^|[^a-z])car([^a-z]|$)|voiture/.test(id)) return "car";
  if (/ebike|e-bike|electri|vae/.test(id)) return "ebike";
  return "bike";
}

/** The direction of the screen's first language: Arabic, Hebrew, Persian and Urdu read right to left. */
export function directionOf(languages) {
  const first = String(languages?.[0] ?? "fr").toLowerCase().split("-")[0];
  return RTL.has(first) ? "rtl" : "ltr";
}

function layoutKey(layout) {
  // The grid and its regions' settings; ticker lines and departures data change without a redraw.
  const regions = (layout?.regions ?? []).map(({ items, ...settings }) => settings);
  return JSON.stringify([layout?.columns, layout?.rows, layout?.areas, regions]);
}

export class Regions {
  /**
   * @param {HTMLElement} stage the grid
   * @param {HTMLElement} content what plays the rotation (moved into the content region)
   */
  constructor(stage, content) {
    this.stage = stage;
    this.content = content;
    this.key = null;
    /** @type {Array<{region: Region, node: HTMLElement, stop: () => void, update: (region: Region) => void}>} */
    this.parts = [];
    this.languages = ["fr"];
    /** What the regions show, for diagnosis and tests. */
    this.state = { layout: null, regions: {} };
  }

  /** Draw the document's layout (only when its grid changed) and give each region its content. */
  apply(doc) {
    const layout = doc?.layout ?? { code: "fullscreen", columns: ["1fr"], rows: ["1fr"], areas: ["content"], regions: [{ name: "content", kind: "content" }] };
    this.languages = doc?.screen?.languages ?? ["fr"];
    const key = layoutKey(layout);
    if (key !== this.key) {
      this.key = key;
      this.draw(layout);
    }
    for (const part of this.parts) {
      const region = layout.regions.find((r) => r.name === part.region.name);
      if (region) part.update(region);
    }
    this.state.layout = layout.code;
  }

  draw(layout) {
    for (const part of this.parts) part.stop();
    this.parts = [];
    this.stage.style.gridTemplateColumns = layout.columns.join(" ");
    this.stage.style.gridTemplateRows = layout.rows.join(" ");
    this.stage.style.gridTemplateAreas = layout.areas.map((row) => JSON.stringify(row)).join(" ");
    this.stage.dataset.layout = layout.code;
    const nodes = [];
    let hasContent = false;
    for (const region of layout.regions) {
      const node = h("section", { class: `region region--${region.kind}`, dataset: { region: region.name, kind: region.kind } });
      node.style.gridArea = region.name;
      const part = this.part(region, node);
      if (region.kind === "content") {
        node.append(this.content);
        hasContent = true;
      }
      this.parts.push(part);
      nodes.push(node);
    }
    if (!hasContent) this.content.remove();
    this.stage.replaceChildren(...nodes);
  }

  part(region, node) {
    const state = (this.state.regions[region.name] = { kind: region.kind });
    const nothing = { region, node, stop() {}, update() {} };
    if (region.kind === "clock") return { ...nothing, ...clock(node, state) };
    if (region.kind === "ticker") return { ...nothing, ...ticker(node, state, () => this.languages) };
    if (region.kind === "departures") return { ...nothing, ...departures(node, region, state) };
    return nothing;
  }
}

// -- clock ------------------------------------------------------------------------------------------------

function clock(node, state) {
  const time = h("p", { class: "clock__time" });
  const day = h("p", { class: "clock__day" });
  node.append(time, day);
  const tick = () => {
    const now = new Date();
    const lang = document.documentElement.lang || "fr";
    time.textContent = now.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
    day.textContent = now.toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long", timeZone: "Europe/Paris" });
    state.time = time.textContent;
  };
  tick();
  const timer = setInterval(tick, 1000);
  return { stop: () => clearInterval(timer) };
}

// -- ticker -------------------------------------------------------------------------------------------------

const TICKER_LABEL = { severe: "Perturbation", warning: "Perturbation", info: "Info" };
const EVENT_LABEL = "À l'affiche";

/** A ticker line from the station's agenda rather than from a disruption. */
const isEvent = (item) => String(item.source ?? "").startsWith("agenda:");

function ticker(node, state, languages) {
  const label = h("p", { class: "ticker__label" }, icon("alert"));
  const track = h("div", { class: "ticker__track" });
  const viewport = h("div", { class: "ticker__viewport" }, track);
  node.append(label, viewport);
  let shown = "";
  return {
    update(region) {
      const items = region.items ?? [];
      state.items = items.map((i) => i.id);
      const key = JSON.stringify([items, languages()]);
      if (key === shown) return;
      shown = key;
      node.dataset.empty = String(items.length === 0);
      // The station's events (its agenda) follow the disruptions; with no disruption, good service is said first.
      const disrupted = items.some((item) => !isEvent(item));
      const lines = [
        ...(disrupted ? [] : [h("span", { class: "ticker__item ticker__item--quiet" }, "Trafic normal sur les lignes de la gare · Good service")]),
        ...items.map((item) =>
          h("span", { class: "ticker__item", dataset: { severity: item.severity, id: item.id, event: String(isEvent(item)) }, lang: item.language || null, dir: "auto" }, [
            h("strong", { class: "ticker__severity" }, isEvent(item) ? EVENT_LABEL : (TICKER_LABEL[item.severity] ?? "Info")),
            (item.lines ?? []).length ? h("span", { class: "ticker__lines" }, item.lines.join(" · ")) : null,
            item.text,
          ]),
        ),
      ];
      // Two copies side by side scroll as one endless band; the speed follows the length.
      track.replaceChildren(h("span", { class: "ticker__run" }, lines), h("span", { class: "ticker__run", "aria-hidden": "true" }, lines.map((n) => n.cloneNode(true))));
      const length = track.textContent.length / 2;
      track.style.animationDuration = `${Math.max(12, length / 6)}s`;
      label.replaceChildren(icon(disrupted ? "alert" : "info"));
    },
  };
}

// -- departures ---------------------------------------------------------------------------------------------

/** "2 min", "à quai · now", or the time when it is far; a cancelled departure says so. */
export function whenText(departure, now = Date.now()) {
  if (departure.status === "cancelled") return "Supprimé";
  const at = Date.parse(departure.expected_at ?? departure.aimed_at);
  if (!Number.isFinite(at)) return "—";
  const minutes = Math.floor((at - now) / 60000);
  if (minutes < 1) return "À quai";
  if (minutes < 60) return `${minutes} min`;
  return new Date(at).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", timeZone: "Europe/Paris" });
}

function departures(node, region, state) {
  const title = h("h2", { class: "board__title" }, [icon("clock"), h("span", {}, "Prochains départs"), h("span", { lang: "en", class: "board__title-en" }, "Departures")]);
  const body = h("div", { class: "board__rows" });
  const note = h("p", { class: "board__note", hidden: true });
  node.append(title, body, note);
  let last = null;
  let stream = null;
  let staleTimer = null;

  let receivedAt = Date.now();
  const render = (data, fresh = false) => {
    last = data;
    if (fresh) receivedAt = Date.now();
    const now = Date.now();
    const boards = (data?.boards ?? []).filter((b) => (b.departures ?? []).length).slice(0, region.rows ?? 6);
    // Stale: a source says so (stale or failing, its last good data still shown), or nothing has
    // come for a while and the live stream is down.
    const failing = (data?.sources ?? []).filter((s) => s.state && s.state !== "fresh");
    const silent = !state.live && now - receivedAt > STALE_AFTER_MS;
    const stale = Boolean(failing.length || silent);
    node.dataset.stale = String(stale);
    state.stale = stale;
    state.generatedAt = data?.generated_at ?? null;
    state.rows = boards.map((b) => ({ line: b.line, direction: b.direction, next: (b.departures ?? []).slice(0, 2).map((d) => whenText(d, now)) }));
    body.replaceChildren(
      ...boards.map((board) => {
        const next = (board.departures ?? []).slice(0, 2);
        const badge = h("span", { class: "board__line", style: { "--line": board.line_color ? `#${String(board.line_color).replace(/^#/, "")}` : "#5a6b82" } }, [modeIcon(board.mode, board.mode), h("span", {}, board.line)]);
        return h("div", { class: "board__row", dataset: { line: board.line } }, [
          badge,
          h("span", { class: "board__direction" }, [h("span", { class: "board__to", dir: "auto" }, next[0]?.destination ?? board.direction), board.exit_code ? h("small", { class: "board__exit" }, `Sortie ${board.exit_code}`) : null]),
          ...next.map((d) => h("span", { class: "board__when", dataset: { status: d.status } }, [whenText(d, now), d.status === "delayed" && d.delay_seconds ? h("small", {}, `+${Math.round(d.delay_seconds / 60)}`) : null])),
        ]);
      }),
    );
    if (!boards.length) body.append(h("p", { class: "board__empty" }, "Aucun départ annoncé · No departures announced"));
    note.hidden = !stale;
    note.textContent = stale ? "Données anciennes · Data may be out of date" : "";
  };

  const unavailable = () => {
    if (last) render(last);
    node.dataset.stale = "true";
    state.stale = true;
    note.hidden = false;
    note.textContent = last ? "Données anciennes · Data may be out of date" : "Départs indisponibles · Departures unavailable";
  };

  const load = async () => {
    try {
      const response = await fetch(region.url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`departures ${response.status}`);
      render(await response.json(), true);
    } catch {
      unavailable();
    }
  };

  let stopped = false;
  const start = (url) => {
    stream = new EventStream(url, { minRetryMs: 1000, maxRetryMs: 10000 });
    stream.on("departures", (event) => render(event.json(), true));
    stream.addEventListener("state", (/** @type {CustomEvent} */ event) => {
      state.live = event.detail === "open";
      if (event.detail === "closed" && !stopped) unavailable();
    });
    stream.start();
  };

  load();
  start(region.live_url);
  // Minutes count down, and an answer that stops coming becomes stale, without any new data.
  staleTimer = setInterval(() => last && render(last), 15000);
  return {
    stop() {
      stopped = true;
      clearInterval(staleTimer);
      stream?.close();
    },
  };
}
