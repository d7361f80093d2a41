// The station directory (GET /api/v1/stations): the stations this gateway serves, their lines,
// position and services; the station a person chose; lines drawn as roundels; a picker dialog.

import { h } from "./dom.js";
import { i18n, t } from "./i18n.js";
import { icon } from "./icons.js";
import { allItems, asPage } from "./pages.js";
import { openDialog } from "./ui.js";

/** "METRO 14" -> {mode: "metro", code: "14"}; "RER B" -> {mode: "rer", code: "B"}; "T11" -> {mode: "other"}. */
export function parseLine(line) {
  const match = /^\s*(METRO|RER|TRAM|TRAIN|BUS)\s+([A-Z0-9]+)\s*$/i.exec(String(line));
  if (!match) return { mode: "other", code: String(line).trim() };
  return { mode: match[1].toLowerCase(), code: match[2].toUpperCase() };
}

/** The line's roundel: "14" on the line's colour, announced as "Ligne 14". */
export function lineBadge(line) {
  const { mode, code } = parseLine(line);
  return h(
    "span",
    { class: "line-badge", role: "img", "aria-label": t(`line.${mode}`, { code }), dataset: { line: code, mode } },
    code,
  );
}

/** Great-circle distance in metres between {lat, lon} points. */
export function distanceMeters(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(s));
}

/** Lower case without accents or dashes: "Saint-Denis – Pleyel" is found by "saint denis pleyel". */
function fold(text) {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase().replace(/[\s–—-]+/g, " ");
}

/**
 * The directory and the chosen station. Events: "change" (detail: the station or null).
 * allow(station) -> bool narrows the list (an operator's stations).
 */
export class StationDirectory extends EventTarget {
  /** @param {{ api: import("./api.js").Api, storageKey?: string | null, allow?: (station: any) => boolean }} options */
  constructor({ api, storageKey = "gare.station", allow = () => true }) {
    super();
    this.api = api;
    this.storageKey = storageKey;
    this.allow = allow;
    this.stations = [];
    this.currentSlug = storageKey ? localStorage.getItem(storageKey) : null;
  }

  /**
   * Fetch (or revalidate, with ETag) the list; returns the stations this page may show. The first
   * page is read conditionally (a station's own deployment has it all); the pages after it, when
   * the gateway serves the whole network, are read after it.
   */
  async load() {
    const { data } = await this.api.conditionalGet("/api/v1/stations", { auth: "none" });
    const first = asPage(data, "/api/v1/stations");
    const rest = first.next_cursor ? await allItems(this.api, "/api/v1/stations", { auth: "none", cursor: first.next_cursor }) : [];
    this.stations = [...first.items, ...rest].filter((station) => this.allow(station));
    if (this.currentSlug && !this.find(this.currentSlug)) this.currentSlug = null;
    if (!this.currentSlug && this.stations.length === 1) this.currentSlug = this.stations[0].slug;
    return this.stations;
  }

  find(slug) {
    return this.stations.find((station) => station.slug === slug) ?? null;
  }

  get current() {
    return this.currentSlug ? this.find(this.currentSlug) : null;
  }

  /** Choose a station (null: none); remembered for the next visit. */
  select(slug) {
    const station = slug ? this.find(slug) : null;
    if (slug && !station) throw new RangeError(`unknown station ${slug}`);
    if (this.currentSlug === (station?.slug ?? null)) return station;
    this.currentSlug = station?.slug ?? null;
    try {
      if (this.storageKey && station) localStorage.setItem(this.storageKey, station.slug);
      else if (this.storageKey) localStorage.removeItem(this.storageKey);
    } catch {
      /* kept for this page */
    }
    this.dispatchEvent(new CustomEvent("change", { detail: station }));
    return station;
  }

  /** Stations whose name matches `query` (accents and case ignored), nearest first when `near`. */
  search(query = "", near = null) {
    const wanted = fold(query.trim());
    const found = this.stations.filter((station) => !wanted || fold(station.name).includes(wanted));
    if (near) {
      return found
        .map((station) => ({ ...station, distance: distanceMeters(near, station) }))
        .sort((a, b) => a.distance - b.distance);
    }
    const collator = new Intl.Collator(document.documentElement.lang || "fr");
    return found.sort((a, b) => collator.compare(a.name, b.name));
  }
}

function currentPosition() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) return reject(new Error("no geolocation"));
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lon: position.coords.longitude }),
      reject,
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 },
    );
  });
}

/**
 * A dialog to choose a station: search by name (accents ignored), or the nearest to the device.
 * Resolves with the chosen slug, or null when dismissed. The directory must be loaded.
 */
export function pickStation(directory, { title = t("stations.pick") } = {}) {
  let near = null;
  const results = h("ul", { class: "list", id: "station-results", "aria-label": t("stations.results") });
  const status = h("p", { class: "muted", role: "status" });
  const search = h("input", {
    class: "input",
    type: "search",
    id: "station-search",
    autocomplete: "off",
    spellcheck: "false",
    "aria-controls": "station-results",
    placeholder: t("stations.searchPlaceholder"),
    onInput: () => render(),
  });
  const nearMe = h(
    "button",
    {
      type: "button",
      class: "button button--quiet",
      onClick: async () => {
        status.textContent = t("stations.locating");
        try {
          near = await currentPosition();
          status.textContent = t("stations.sortedByDistance");
          render();
        } catch {
          status.textContent = t("stations.locationUnavailable");
        }
      },
    },
    icon("locate"),
    t("stations.nearMe"),
  );
  const { close, closed } = openDialog({
    title,
    sheet: true,
    className: "station-picker",
    body: h(
      "div",
      { class: "stack" },
      h("label", { class: "field__label", for: "station-search" }, t("stations.searchLabel")),
      h("div", { class: "cluster" }, search, nearMe),
      status,
      results,
    ),
  });
  function render() {
    const found = directory.search(search.value, near);
    results.replaceChildren(
      ...found.map((station) =>
        h(
          "li",
          { class: "list__item" },
          h(
            "button",
            {
              type: "button",
              class: "list__action",
              "aria-current": station.slug === directory.currentSlug ? "true" : null,
              dataset: { slug: station.slug },
              onClick: () => close(station.slug),
            },
            icon("station"),
            h(
              "span",
              { class: "list__body" },
              h("span", { class: "list__title" }, station.name),
              h(
                "span",
                { class: "list__meta cluster" },
                station.lines.map(lineBadge),
                station.distance !== undefined && h("span", null, t("stations.distance", { distance: i18n.formatDistance(station.distance) })),
              ),
            ),
            station.slug === directory.currentSlug && icon("check", { label: t("stations.current") }),
          ),
        ),
      ),
    );
    if (!found.length) results.append(h("li", { class: "list__item muted" }, t("stations.noMatch")));
  }
  render();
  search.focus();
  return closed;
}
