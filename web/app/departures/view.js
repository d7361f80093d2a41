// The departures tab: the disruptions the station's sources report, the next trains and buses at
// the chosen station, live (SSE, with a poll when the stream cannot open), each bus with the exit to
// take; and "which exit for …": a bus line, a street, a Vélib' dock typed in finds the exit that
// leads to it.

import { boardRows, distanceText, isolated, textOn } from "../../common/departures.js";
import { h } from "../../common/dom.js";
import { itemsOf } from "../../common/pages.js";
import { emptyState } from "../../common/ui.js";

export default {
  id: "departures",
  path: "/departures",
  title: "departures.title",
  nav: { label: "departures.nav", icon: "clock", order: 35, description: "departures.description" },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const { t, root } = ctx;
    const station = ctx.query.station || ctx.station?.slug;
    root.append(h("h1", { id: "view-title" }, t("departures.title")));
    if (!station) {
      root.append(emptyState({ icon: "clock", title: t("departures.noStation") }));
      return;
    }
    const base = `/api/v1/stations/${encodeURIComponent(station)}/kiosk`;
    const lang = () => ctx.i18n.locale.split("-")[0];
    const board = h("div", { id: "departures-board", "data-rows": "0" });
    const disruptions = h("div", { id: "disruptions", class: "stack", "aria-live": "polite" });
    const exitsByCode = new Map();
    let latest = null;

    function draw() {
      const rows = boardRows(latest, Date.now(), { perLine: 3, limit: 30 });
      board.dataset.rows = String(rows.length);
      if (!rows.length) {
        board.replaceChildren(h("p", { class: "notice", id: "departures-none" }, t("departures.none")));
        return;
      }
      board.replaceChildren(
        h(
          "ul",
          { class: "list departures-list" },
          rows.map((row) =>
            h(
              "li",
              { class: "list__item", "data-status": row.status, "data-mode": row.mode },
              h("span", { class: "departures__line", style: row.color ? { background: row.color, color: textOn(row.color) } : null }, row.line),
              h(
                "div",
                { class: "list__body" },
                h("p", { class: "list__title" }, row.destination),
                h("p", { class: "list__meta" }, row.stop, row.exitCode && exitsByCode.has(row.exitCode) ? ` · ${t("departures.exit", { exit: exitsByCode.get(row.exitCode) })}` : ""),
              ),
              h(
                "p",
                { class: "departures__time" },
                row.status === "cancelled"
                  ? h("span", { class: "departures__cancelled" }, t("departures.cancelled"))
                  : row.minutes === 0
                    ? t("departures.now")
                    : t("departures.minutes", { minutes: row.minutes }),
                row.status === "delayed" && row.delayMinutes ? h("span", { class: "departures__delay" }, ` +${row.delayMinutes}`) : null,
              ),
            ),
          ),
        ),
      );
    }

    async function load() {
      try {
        latest = await ctx.api.get(`${base}/departures`, { auth: "none", signal: ctx.signal });
      } catch {
        latest = null; // none at this station, or the service failed: the board says there are none
      }
      draw();
      await loadDisruptions();
    }

    /** The disruptions in force, gravest first, in the reader's language (else French). */
    async function loadDisruptions() {
      let found;
      try {
        found = itemsOf(await ctx.api.get(`${base}/disruptions`, { auth: "none", signal: ctx.signal, query: { limit: 20 } }), "/disruptions");
      } catch {
        return; // the last ones shown stay until the next read
      }
      const order = { severe: 0, warning: 1, info: 2 };
      found.sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
      disruptions.replaceChildren(
        ...found.map((item) =>
          h(
            "div",
            { class: `notice${{ severe: " notice--danger", warning: " notice--warning" }[item.severity] ?? ""}`, role: "status", "data-id": item.id, "data-severity": item.severity },
            h(
              "div",
              {},
              h("p", { class: "notice__title" }, item.lines.length ? `${item.lines.join(" · ")} — ` : "", item.text[lang()] ?? item.text.fr ?? Object.values(item.text)[0] ?? ""),
              (item.description[lang()] ?? item.description.fr) ? h("p", {}, item.description[lang()] ?? item.description.fr) : null,
              h("p", { class: "list__meta" }, t("departures.from", { source: item.source_code })),
            ),
          ),
        ),
      );
    }

    // "Which exit for …": only what is outside the station.
    const search = h("input", { id: "exit-search", class: "input", type: "search", autocomplete: "off", placeholder: t("departures.exitPlaceholder") });
    const answers = h("ul", { class: "list", id: "exit-hits" });
    let timer;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = search.value.trim();
        if (!q) return answers.replaceChildren();
        let found;
        try {
          found = await ctx.api.get(`${base}/search`, { auth: "none", signal: ctx.signal, query: { q, limit: 20, lang: lang() } });
        } catch {
          return;
        }
        if (q !== search.value.trim()) return;
        const outside = itemsOf(found, "/search").filter((hit) => hit.destination);
        answers.replaceChildren(
          ...(outside.length
            ? outside.slice(0, 6).map((hit) =>
                h(
                  "li",
                  { class: "list__item", "data-code": hit.destination.code, "data-exit": hit.place.code },
                  h(
                    "div",
                    { class: "list__body" },
                    h("p", { class: "list__title" }, `⇱ ${hit.place.name}`),
                    h("p", { class: "list__meta" }, `${hit.destination.name}${hit.destination.lines.length ? ` · ${hit.destination.lines.join(" ")}` : ""} · ${isolated(distanceText(hit.destination.walking_m, lang()))}`),
                  ),
                  h("a", { class: "button button--small", href: `#/route?${new URLSearchParams({ station, to: hit.destination.code })}` }, t("departures.route")),
                ),
              )
            : [h("li", { class: "muted" }, t("departures.noExit"))]),
        );
      }, 200);
    });

    root.append(
      disruptions,
      h(
        "section",
        { class: "stack card", "aria-labelledby": "exit-title" },
        h("h2", { class: "card__title", id: "exit-title" }, t("departures.whichExit")),
        h("label", { class: "visually-hidden", for: "exit-search" }, t("departures.whichExit")),
        search,
        answers,
      ),
      h("section", { class: "stack", "aria-labelledby": "board-title" }, h("h2", { class: "section-title", id: "board-title" }, t("departures.next")), board),
    );
    try {
      const map = await ctx.api.get(`${base}/map`, { auth: "none", signal: ctx.signal, query: { lang: lang() } });
      for (const place of map.places) if (place.kind === "entrance_exit") exitsByCode.set(place.code, place.name);
    } catch {
      // Without the map the board still shows, without the exits' names.
    }
    await load();
    if (latest) {
      const stream = ctx.api.events(`${base}/departures/live`, { signal: ctx.signal });
      stream.on("departures", (event) => {
        try {
          latest = event.json();
          draw();
        } catch {
          // a garbled event: the next one, or the poll, repairs the board
        }
      });
      stream.start();
    }
    const poll = setInterval(load, 30_000);
    const tick = setInterval(draw, 20_000);
    ctx.signal.addEventListener("abort", () => {
      clearInterval(poll);
      clearInterval(tick);
    });
  },
};
