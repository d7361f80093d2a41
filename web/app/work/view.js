// A work of a touring exhibition, as a screen's QR code opens it:
// #/work/<station>/<exhibition>/<work>?screen=<screen code>
// The work large, its artist, its description and audio description (a recording if the curators
// gave one, else read aloud by the browser's speech), the exhibition's other works shown here, and
// where the tour goes next. Opening it from a QR code records one scan (per screen, per tab).

import { h } from "../../common/dom.js";
import { button, emptyState, problemNotice } from "../../common/ui.js";

/** @param {string} station @param {string} exhibition @param {string} [work] */
function workPath(station, exhibition, work) {
  const base = `/api/v1/stations/${encodeURIComponent(station)}/signage/works/${encodeURIComponent(exhibition)}`;
  return work ? `${base}/${encodeURIComponent(work)}` : base;
}

/** Records the scan once per tab: a reload or coming back is not another visitor. */
function recordScan(ctx, station, exhibition, work, screen) {
  const key = `gare.scan:${station}/${exhibition}/${work}/${screen}`;
  try {
    if (sessionStorage.getItem(key)) return;
    sessionStorage.setItem(key, "1");
  } catch {
    // Storage refused (private mode): the scan is still worth counting.
  }
  ctx.api.post(`${workPath(station, exhibition, work)}/scans`, { screen }, { auth: "none" }).catch(() => {});
}

/** The audio description: the recording, else the browser's voice; one button plays and stops it. */
function listen(ctx, page) {
  const { t } = ctx;
  const text = page.work.audio_description;
  if (!page.work.audio_url && !(text && "speechSynthesis" in window)) return null;
  let playing = false;
  /** @type {HTMLAudioElement | null} */
  let audio = null;
  const control = button({ label: t("work.listen"), icon: "info", variant: "primary", id: "work-listen" });
  const set = (on) => {
    playing = on;
    control.querySelector("span")?.replaceChildren(t(on ? "work.stop" : "work.listen"));
    control.setAttribute("aria-pressed", String(on));
  };
  control.addEventListener("click", () => {
    if (playing) {
      audio?.pause();
      if ("speechSynthesis" in window) speechSynthesis.cancel();
      set(false);
      return;
    }
    if (page.work.audio_url) {
      audio = audio ?? new Audio(page.work.audio_url);
      audio.onended = () => set(false);
      audio.play().catch(() => set(false));
    } else {
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = page.work.audio_description_language ?? page.language;
      utterance.onend = () => set(false);
      utterance.onerror = () => set(false);
      speechSynthesis.cancel();
      speechSynthesis.speak(utterance);
    }
    set(true);
  });
  ctx.signal.addEventListener("abort", () => {
    audio?.pause();
    if ("speechSynthesis" in window) speechSynthesis.cancel();
  });
  control.setAttribute("aria-pressed", "false");
  return h(
    "section",
    { class: "card stack", "aria-labelledby": "work-audio" },
    h("h2", { class: "card__title", id: "work-audio" }, t("work.audio")),
    h("p", { class: "muted" }, t(page.work.audio_url ? "work.audioRecorded" : "work.audioSpoken")),
    control,
  );
}

function stationName(ctx, slug) {
  return ctx.stations?.find?.(slug)?.name ?? slug;
}

function render(ctx, page) {
  const { t, i18n } = ctx;
  const { work, artist } = page;
  const dir = page.language === "ar" ? "rtl" : "ltr";
  const facts = [artist.name, work.year, work.technique].filter(Boolean).join(" · ");
  const body = h(
    "article",
    { class: "stack stack--loose work", id: "work", lang: page.language, dir, "data-work": work.code },
    h("p", { class: "muted work__exhibition" }, t("work.exhibition", { title: page.exhibition_title })),
    h("h1", { id: "view-title" }, work.title),
    h(
      "figure",
      { class: "work__figure" },
      h("img", { src: work.media_url, alt: work.audio_description || work.title, class: "work__image" }),
      h("figcaption", { class: "work__caption" }, h("strong", null, facts), h("span", { class: "muted" }, `${work.credit} — ${work.licence}`)),
    ),
  );
  const audio = listen(ctx, page);
  if (audio) body.append(audio);
  if (work.description) body.append(h("section", { "aria-labelledby": "work-about" }, h("h2", { class: "section-title", id: "work-about" }, t("work.about")), h("p", { id: "work-description" }, work.description)));
  body.append(
    h(
      "section",
      { class: "card", "aria-labelledby": "work-artist" },
      h("h2", { class: "card__title", id: "work-artist" }, artist.name),
      artist.biography ? h("p", null, artist.biography) : null,
      artist.links.length ? h("ul", { class: "cluster" }, artist.links.map((link) => h("li", null, h("a", { href: link, rel: "noopener", target: "_blank", class: "ltr" }, new URL(link).host)))) : null,
    ),
  );
  if (page.other_works.length) {
    body.append(
      h(
        "section",
        { "aria-labelledby": "work-others" },
        h("h2", { class: "section-title", id: "work-others" }, t("work.others")),
        h(
          "ul",
          { class: "work__others", id: "work-others-list" },
          page.other_works.map((other) =>
            h(
              "li",
              null,
              h(
                "a",
                { href: `#/work/${encodeURIComponent(page.station)}/${encodeURIComponent(page.exhibition)}/${encodeURIComponent(other.code)}`, class: "work__other" },
                h("img", { src: other.media_url, alt: "", loading: "lazy" }),
                h("span", { class: "list__title" }, other.title),
                h("span", { class: "muted" }, other.artist),
              ),
            ),
          ),
        ),
      ),
    );
  }
  if (page.next_stops.length) {
    body.append(
      h(
        "section",
        { "aria-labelledby": "work-tour" },
        h("h2", { class: "section-title", id: "work-tour" }, t("work.tour")),
        h(
          "ol",
          { class: "list", id: "work-tour-list" },
          page.next_stops.map((stop) =>
            h(
              "li",
              { class: "list__item", "data-station": stop.station },
              h(
                "div",
                { class: "list__body" },
                h("p", { class: "list__title" }, stationName(ctx, stop.station), stop.here ? ` — ${t("work.here")}` : ""),
                h(
                  "p",
                  { class: "list__meta" },
                  t(stop.current ? "work.until" : "work.from", {
                    start: i18n.formatDate(stop.starts_at, { dateStyle: "long" }),
                    end: i18n.formatDate(stop.ends_at, { dateStyle: "long" }),
                  }),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }
  return body;
}

export default {
  id: "work",
  path: "/work/:station/:exhibition/:work",
  title: "work.title",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const { t, root, params, query } = ctx;
    const { station, exhibition, work } = params;
    // Opened from a screen's QR code: the app takes the work's station as its own (which renders
    // the view again, with the station's name in the header).
    if (ctx.stations?.find(station) && ctx.stations.currentSlug !== station) {
      ctx.stations.select(station);
      return;
    }
    try {
      const page = await ctx.api.get(workPath(station, exhibition, work), {
        auth: "none",
        signal: ctx.signal,
        query: { lang: ctx.i18n.locale },
      });
      root.append(render(ctx, page));
      if (query.screen) recordScan(ctx, station, exhibition, work, query.screen);
    } catch (error) {
      if (ctx.signal.aborted) return;
      root.append(h("h1", { id: "view-title" }, t("work.title")));
      if (error?.status === 404) {
        root.append(emptyState({ icon: "info", title: t("work.gone"), text: t("work.goneText") }));
      } else {
        root.append(problemNotice(error));
      }
    }
  },
};
