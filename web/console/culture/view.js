// Culture across the network (/culture), for the territory's culture team (scope network:culture)
// and network administrators: the exhibitions curated at the hub, and for one exhibition its whole
// tour (each visit with its station's answer and link), its works with their rights, its artists, and
// the reach of its works (plays, seconds on screen, QR scans) with a CSV export.
//
// These read the hub, not the chosen station: the hub's address is kept in this browser (given once
// by ?hub=https://hub.example.org or in the form the view shows while none is set). The hub must
// allow the console's origin (HUB_CORS_ORIGINS), and the gateway's CSP the hub's (docs/culture.md).

import { Api } from "../../common/api.js";
import { h, replace } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { button, problemNotice, problemTitle, whileBusy } from "../../common/ui.js";
import { dataTable, form, formDialog, localized, pageHeader, pagedList, panel, savedToast, stateBadge, stationTimeToIso, when } from "../kit.js";

export const HUB_KEY = "gare.console.hub";
const PAGE_SIZE = 50;
const ANSWER_TONES = { accepted: "ok", declined: "failing", pending: "pending" };
const LINK_TONES = { connected: "ok", cut: "offline", unknown: "pending" };

/** The hub's address: ?hub= (kept for next time), else the one kept, else null. */
export function hubUrl(ctx) {
  const given = ctx.query?.hub;
  if (given && /^https?:\/\//.test(given)) localStorage.setItem(HUB_KEY, given.replace(/\/+$/, ""));
  return localStorage.getItem(HUB_KEY);
}

/**
 * Calls to the hub with the console's session, cancelled when the view is left.
 * @param {any} ctx
 * @param {string} base
 */
export function hubApi(ctx, base) {
  const api = new Api({ base, session: ctx.session });
  /** @type {(extra?: import("../../common/api.js").RequestOptions) => import("../../common/api.js").RequestOptions} */
  const options = (extra = {}) => ({ auth: "required", signal: ctx.signal, ...extra });
  return {
    base,
    get: (path, extra) => api.get(path, options(extra)),
    post: (path, json, extra) => api.post(path, json, options(extra)),
    delete: (path, extra) => api.delete(path, options(extra)),
    fetch: (path, extra) => api.fetch(path, options(extra)),
  };
}

/** May change exhibitions (the API refuses the others anyway). */
function curates(ctx) {
  return ctx.session.hasScope("network:culture") || ctx.session.hasScope("network:admin");
}

function hubForm(ctx) {
  return panel(
    { title: ctx.t("culture.hubTitle"), id: "hub-address" },
    h("p", { class: "muted" }, ctx.t("culture.hubText")),
    form({
      fields: [{ name: "hub", label: ctx.t("culture.hubField"), type: "url", required: true, placeholder: "https://" }],
      values: { hub: localStorage.getItem(HUB_KEY) ?? "" },
      submitLabel: ctx.t("console.save"),
      onSubmit: async (values) => {
        localStorage.setItem(HUB_KEY, String(values.hub).replace(/\/+$/, ""));
        ctx.router.render({ keepFocus: true });
      },
    }),
  );
}

function dateRange(visit) {
  return `${i18n.formatDate(visit.starts_at)} → ${i18n.formatDate(visit.ends_at)}`;
}

// -- the exhibitions ----------------------------------------------------------------------------------

const listView = {
  id: "culture-exhibitions",
  path: "/culture",
  title: "culture.title",
  needsStation: false,
  nav: { label: "culture.nav", icon: "globe", order: 70 },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const base = hubUrl(ctx);
    ctx.root.append(pageHeader({ title: ctx.t("culture.title"), lead: ctx.t("culture.lead") }));
    if (!base) {
      ctx.root.append(hubForm(ctx));
      return;
    }
    const hub = hubApi(ctx, base);
    const holder = h("div");
    const table = (exhibitions) =>
      dataTable({
        caption: ctx.t("culture.exhibitions"),
        className: "culture-exhibitions",
        rows: exhibitions,
        empty: ctx.t("culture.noExhibitions"),
        columns: [
          { label: ctx.t("culture.exhibition"), render: (e) => h("a", { href: ctx.router.href(`/culture/${e.code}`) }, localized(e.title), " ", h("span", { class: "mono muted" }, e.code)) },
          { label: ctx.t("culture.artists"), numeric: true, render: (e) => i18n.formatNumber(e.artists) },
          { label: ctx.t("culture.works"), numeric: true, render: (e) => i18n.formatNumber(e.works) },
          { label: ctx.t("culture.visits"), numeric: true, render: (e) => i18n.formatNumber(e.visits) },
          { label: ctx.t("culture.state"), render: (e) => stateBadge(e.retired ? "offline" : "ok", ctx.t(e.retired ? "culture.retired" : "culture.running")) },
          { label: ctx.t("culture.updated"), render: (e) => when(e.updated_at) },
        ],
      });
    async function reload() {
      const list = pagedList({ reader: hub, path: "/api/v1/network/exhibitions", limit: PAGE_SIZE, table });
      replace(holder, list);
      try {
        await list.start();
      } catch (error) {
        replace(holder, problemNotice(error, { onRetry: reload }));
      }
    }
    const add = button({
      label: ctx.t("culture.newExhibition"),
      icon: "plus",
      variant: "primary",
      dataset: { action: "new-exhibition" },
      onClick: async () => {
        const created = await formDialog({
          title: ctx.t("culture.newExhibition"),
          fields: [
            { name: "code", label: ctx.t("culture.code"), required: true, pattern: "[a-z0-9][a-z0-9-]{0,39}", spellcheck: "false", hint: ctx.t("culture.codeHint") },
            { name: "title_fr", label: ctx.t("culture.titleFr"), required: true, lang: "fr", errorKeys: ["title"] },
            { name: "title_en", label: ctx.t("culture.titleEn"), lang: "en" },
          ],
          submitLabel: ctx.t("console.create"),
          onSubmit: (values) => hub.post("/api/v1/network/exhibitions", { code: values.code, title: { fr: values.title_fr, ...(values.title_en ? { en: values.title_en } : {}) } }),
        });
        if (created) {
          savedToast(ctx);
          await reload();
        }
      },
    });
    ctx.root.append(panel({ title: ctx.t("culture.exhibitions"), id: "exhibitions", actions: curates(ctx) ? [add] : [] }, h("p", { class: "muted mono" }, ctx.t("culture.hubIs", { url: base })), holder));
    await reload();
  },
};

// -- one exhibition: tour, works, artists, reach ---------------------------------------------------------

async function downloadCsv(ctx, hub, code, control) {
  try {
    await whileBusy(control, async () => {
      const response = await hub.fetch("/api/v1/network/reach.csv", { query: { exhibition: code, by: "work" }, headers: { Accept: "text/csv" } });
      const url = URL.createObjectURL(await response.blob());
      const link = h("a", { href: url, download: `reach-${code}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
  } catch (error) {
    ctx.toast(problemTitle(error), { tone: "danger" });
  }
}

/** Add a visit: a station of the network, from one day to another (midnight, station time). */
function addVisit(ctx, hub, path, tour) {
  const known = new Map(ctx.stations.stations.map((station) => [station.slug, station.name]));
  for (const visit of tour) if (!known.has(visit.station)) known.set(visit.station, visit.station_name ?? visit.station);
  const station = known.size
    ? { name: "station", label: ctx.t("culture.station"), type: "select", required: true, options: [...known].map(([value, label]) => ({ value, label })) }
    : { name: "station", label: ctx.t("culture.station"), required: true, spellcheck: "false" };
  return formDialog({
    title: ctx.t("culture.addVisit"),
    fields: [
      station,
      { name: "starts", label: ctx.t("culture.starts"), type: "date", required: true, errorKeys: ["starts_at"] },
      { name: "ends", label: ctx.t("culture.ends"), type: "date", required: true, hint: ctx.t("culture.endsHint"), errorKeys: ["ends_at"] },
    ],
    submitLabel: ctx.t("culture.addVisit"),
    onSubmit: (values) => hub.post(`${path}/visits`, { station: values.station, starts_at: stationTimeToIso(`${values.starts}T00:00`), ends_at: stationTimeToIso(`${values.ends}T00:00`) }),
  });
}

async function confirmed(ctx, control, { title, message, confirmLabel, danger = false }, work) {
  if (!(await ctx.confirm({ title, message, confirmLabel, danger }))) return false;
  try {
    await whileBusy(control, work);
    savedToast(ctx);
    return true;
  } catch (error) {
    ctx.toast(problemTitle(error), { tone: "danger" });
    return false;
  }
}

const exhibitionView = {
  id: "culture-exhibition",
  path: "/culture/:code",
  title: "culture.exhibitionTitle",
  needsStation: false,
  async render(ctx) {
    const base = hubUrl(ctx);
    if (!base) {
      ctx.root.append(pageHeader({ title: ctx.t("culture.exhibitionTitle") }), hubForm(ctx));
      return;
    }
    const hub = hubApi(ctx, base);
    const code = ctx.params.code;
    const path = `/api/v1/network/exhibitions/${encodeURIComponent(code)}`;
    const [exhibition, tour, reach] = await Promise.all([hub.get(path), hub.get(`${path}/tour`, { query: { limit: 200 } }), hub.get("/api/v1/network/reach", { query: { exhibition: code, by: "work", limit: 200 } })]);
    const artists = new Map(exhibition.artists.map((a) => [a.code, a]));
    const titles = new Map(exhibition.works.map((w) => [w.code, localized(w.title)]));

    const back = h("a", { href: ctx.router.href("/culture"), class: "muted" }, ctx.t("culture.back"));
    const rerender = () => ctx.router.render({ keepFocus: true });
    const retire = button({
      label: ctx.t(exhibition.retired ? "culture.restore" : "culture.retire"),
      dataset: { action: exhibition.retired ? "restore" : "retire" },
      onClick: async (event) => {
        const done = exhibition.retired
          ? await confirmed(ctx, event.currentTarget, { title: ctx.t("culture.restore"), message: ctx.t("culture.restoreText"), confirmLabel: ctx.t("culture.restore") }, () => hub.post(`${path}/restore`, {}))
          : await confirmed(ctx, event.currentTarget, { title: ctx.t("culture.retire"), message: ctx.t("culture.retireText"), confirmLabel: ctx.t("culture.retire"), danger: true }, () => hub.delete(path));
        if (done) rerender();
      },
    });
    ctx.root.append(
      pageHeader({ title: localized(exhibition.title), lead: h("p", { class: "muted" }, localized(exhibition.description) || null, " ", back), actions: curates(ctx) ? [retire] : [] }),
      h("p", { class: "culture-status" }, stateBadge(exhibition.retired ? "offline" : "ok", ctx.t(exhibition.retired ? "culture.retired" : "culture.running")), " ", h("span", { class: "mono muted" }, code)),
    );

    const answered = tour.items.filter((v) => v.answer === "accepted").length;
    ctx.root.append(
      panel(
        {
          title: ctx.t("culture.tour"),
          id: "tour",
          actions: curates(ctx)
            ? [
                button({
                  label: ctx.t("culture.addVisit"),
                  icon: "plus",
                  dataset: { action: "add-visit" },
                  onClick: async () => {
                    if (await addVisit(ctx, hub, path, tour.items)) {
                      savedToast(ctx);
                      rerender();
                    }
                  },
                }),
              ]
            : [],
        },
        h("p", { class: "muted" }, ctx.t("culture.tourSummary", { accepted: answered, visits: tour.items.length })),
        dataTable({
          caption: ctx.t("culture.tour"),
          className: "culture-tour",
          rows: tour.items,
          rowKey: (v) => `${v.station}@${v.starts_at}`,
          empty: ctx.t("culture.noVisits"),
          columns: [
            { label: ctx.t("culture.station"), render: (v) => h("span", null, v.station_name ?? v.station, " ", h("span", { class: "mono muted" }, v.station)) },
            { label: ctx.t("culture.dates"), render: (v) => dateRange(v) },
            { label: ctx.t("culture.answer"), render: (v) => h("span", { dataset: { answer: v.answer } }, stateBadge(ANSWER_TONES[v.answer], ctx.t(`culture.answer.${v.answer}`)), " ", v.answered_at ? when(v.answered_at) : null) },
            { label: ctx.t("culture.link"), render: (v) => h("span", { dataset: { link: v.link } }, stateBadge(LINK_TONES[v.link], ctx.t(`culture.link.${v.link}`))) },
            curates(ctx) && {
              label: ctx.t("console.actions"),
              className: "actions",
              render: (v) =>
                button({
                  label: ctx.t("culture.cancelVisit"),
                  "aria-label": `${ctx.t("culture.cancelVisit")} ${v.station_name ?? v.station}`,
                  dataset: { action: "cancel-visit", station: v.station },
                  onClick: async (event) => {
                    const visitPath = `${path}/visits/${encodeURIComponent(v.station)}/${encodeURIComponent(v.starts_at)}`;
                    const text = { title: ctx.t("culture.cancelVisit"), message: ctx.t("culture.cancelVisitText", { station: v.station_name ?? v.station, dates: dateRange(v) }), confirmLabel: ctx.t("culture.cancelVisit"), danger: true };
                    if (await confirmed(ctx, event.currentTarget, text, () => hub.delete(visitPath))) rerender();
                  },
                }),
            },
          ].filter(Boolean),
        }),
      ),
    );

    const csv = button({ label: ctx.t("culture.csv"), dataset: { action: "reach-csv" }, onClick: (event) => downloadCsv(ctx, hub, code, event.currentTarget) });
    ctx.root.append(
      panel(
        { title: ctx.t("culture.reach"), id: "reach", actions: [csv] },
        dataTable({
          caption: ctx.t("culture.reach"),
          className: "culture-reach",
          rows: reach.items,
          rowKey: (r) => r.key,
          empty: ctx.t("culture.noReach"),
          columns: [
            { label: ctx.t("culture.work"), render: (r) => h("span", null, titles.get(r.key) ?? r.key, " ", h("span", { class: "mono muted" }, r.key)) },
            { label: ctx.t("culture.plays"), numeric: true, render: (r) => i18n.formatNumber(r.plays) },
            { label: ctx.t("culture.seconds"), numeric: true, render: (r) => i18n.formatDuration(r.seconds) },
            { label: ctx.t("culture.scans"), numeric: true, render: (r) => i18n.formatNumber(r.scans) },
          ],
        }),
      ),
    );
    ctx.root.append(
      panel(
        { title: ctx.t("culture.works"), id: "works" },
        dataTable({
          caption: ctx.t("culture.works"),
          className: "culture-works",
          rows: exhibition.works,
          empty: ctx.t("culture.noWorks"),
          columns: [
            {
              label: ctx.t("culture.work"),
              render: (w) =>
                h(
                  "span",
                  { class: "culture-work" },
                  w.media_type.startsWith("image/") ? h("img", { class: "culture-thumb", src: w.media_url, alt: "", loading: "lazy", width: 96, height: 64 }) : null,
                  h("span", null, h("span", { class: "culture-work__title" }, localized(w.title)), " ", h("span", { class: "mono muted" }, w.code), w.year ? h("span", { class: "muted" }, ` · ${w.year}`) : null),
                ),
            },
            { label: ctx.t("culture.artist"), render: (w) => artists.get(w.artist)?.name ?? w.artist },
            { label: ctx.t("culture.rights"), render: (w) => h("span", null, w.rights.licence, h("br"), h("span", { class: "muted" }, w.rights.credit)) },
            { label: ctx.t("culture.shown"), render: (w) => dateRange({ starts_at: w.rights.shown_from, ends_at: w.rights.shown_until }) },
            { label: ctx.t("culture.stations"), render: (w) => (w.rights.stations.length ? w.rights.stations.join(", ") : ctx.t("culture.everyStation")) },
          ],
        }),
      ),
      panel(
        { title: ctx.t("culture.artists"), id: "artists" },
        dataTable({
          caption: ctx.t("culture.artists"),
          className: "culture-artists",
          rows: exhibition.artists,
          empty: ctx.t("culture.noArtists"),
          columns: [
            { label: ctx.t("culture.artist"), render: (a) => h("span", null, a.name, " ", h("span", { class: "mono muted" }, a.code)) },
            { label: ctx.t("culture.biography"), render: (a) => localized(a.biography) || "—" },
            { label: ctx.t("culture.links"), render: (a) => a.links.map((link) => h("a", { href: link, rel: "noopener", target: "_blank" }, new URL(link).host)) },
          ],
        }),
      ),
    );

  },
};

export default [listView, exhibitionView];
