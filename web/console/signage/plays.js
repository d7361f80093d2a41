// Proof of play: how many times each content item played on each screen, day by day, over a range
// of days (the players report every play; a resend is counted once). What an exhibition's artists
// and the station's partners are told.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { i18n } from "../../common/i18n.js";
import { dataTable, form, panel } from "../kit.js";
import { drawInto, frame, MESSAGES, signageApi } from "./shared.js";

const DEFAULT_DAYS = 7;

/** "2026-11-26" for a Date, in the station's time zone (the days the report counts in). */
function stationDay(date) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: i18n.timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

async function render(ctx) {
  const api = signageApi(ctx);
  const until = ctx.query.until ?? stationDay(new Date());
  const since = ctx.query.since ?? stationDay(new Date(Date.now() - (DEFAULT_DAYS - 1) * 86400_000));
  const screen = ctx.query.screen ?? "";
  const body = frame(ctx, { title: ctx.t("signage.plays.title"), lead: ctx.t("signage.plays.lead") });
  const screens = await allItems(api, "/screens");
  const filters = form({
    fields: [
      { name: "since", label: ctx.t("signage.plays.since"), type: "date", required: true },
      { name: "until", label: ctx.t("signage.plays.until"), type: "date", required: true },
      { name: "screen", label: ctx.t("signage.plays.screen"), type: "select", emptyLabel: ctx.t("signage.plays.allScreens"), options: screens.map((s) => ({ value: s.code, label: `${s.name} (${s.code})` })) },
    ],
    values: { since, until, screen },
    submitLabel: ctx.t("signage.plays.show"),
    onSubmit: (values) => ctx.router.navigate("/signage/plays", { since: values.since, until: values.until, screen: values.screen }),
  });
  const report = h("div", { id: "plays-report" });
  body.append(panel({ title: ctx.t("signage.plays.filters"), id: "plays-filters" }, filters), panel({ title: ctx.t("signage.plays.report"), id: "plays" }, report));
  await drawInto(ctx, report, async () => {
    // The report's rows (totals per day, screen and content) and the content library are both lists.
    const [rows, items] = await Promise.all([
      allItems(api, "/plays/report", { query: { since, until, screen: screen || undefined } }),
      allItems(api, "/content"),
    ]);
    const titles = Object.fromEntries(items.map((item) => [item.id, item.title]));
    const total = rows.reduce((sum, row) => sum + row.plays, 0);
    return [
      h("p", { class: "muted", id: "plays-total" }, ctx.t("signage.plays.total", { count: total })),
      dataTable({
        caption: ctx.t("signage.plays.report"),
        rows,
        rowKey: (row) => `${row.day}-${row.screen}-${row.content_item_id}`,
        empty: ctx.t("signage.plays.none"),
        columns: [
          { label: ctx.t("signage.plays.day"), render: (row) => h("time", { datetime: row.day }, i18n.formatDate(`${row.day}T12:00:00Z`, { dateStyle: "medium" })) },
          { label: ctx.t("signage.plays.screen"), render: (row) => h("span", { class: "mono" }, row.screen) },
          { label: ctx.t("signage.plays.content"), render: (row) => titles[row.content_item_id] ?? h("span", { class: "muted" }, ctx.t("signage.plays.deleted")) },
          { label: ctx.t("signage.plays.count"), render: (row) => i18n.formatNumber(row.plays), numeric: true },
          { label: ctx.t("signage.plays.duration"), render: (row) => i18n.formatDuration(row.seconds), numeric: true },
        ],
      }),
    ];
  })();
}

export default { id: "signage-plays", path: "/signage/plays", title: "signage.plays.title", messages: MESSAGES, render };
