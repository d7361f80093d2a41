// The station at a glance, refreshed every few seconds without a reload: screens online, offline
// and behind on content; emergency messages and which screens acknowledged them; lockers'
// occupancy, faults and parcels about to expire; vehicles available and the state of each feed;
// equipment out of service; and the health of every service as the gateway sees it.
//
// Each block reads its own source; a source that fails keeps its last data on screen, marked stale,
// and the others go on.

import { h, replace } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { icon } from "../../common/icons.js";
import { allItems } from "../../common/pages.js";
import { dataTable, localized, metric, panel, pageHeader, serviceApi, stateBadge, when } from "../kit.js";
import { feedCell } from "../mobility/systems.js";
import { severityBadge } from "../signage/alerts.js";
import { screenLink, screenState } from "../signage/screens.js";

const REFRESH_MS = 4000;
const EXPIRING_WITHIN_MS = 24 * 3600 * 1000;

/** What each block reads, and how to fold it into the dashboard's state. */
function sources(ctx) {
  const signage = serviceApi(ctx, "signage");
  const lockers = serviceApi(ctx, "lockers");
  const mobility = serviceApi(ctx, "mobility");
  const kiosk = serviceApi(ctx, "kiosk");
  return {
    screens: () => allItems(signage, "/screens"),
    alerts: async () => {
      const alerts = await allItems(signage, "/alerts", { query: { active: true } });
      // The list leaves out acknowledgements; each active alert is read whole (there are few).
      return Promise.all(alerts.map((alert) => signage.get(`/alerts/${alert.id}`)));
    },
    banks: () => allItems(lockers, "/banks"),
    expiring: async () => {
      const ready = await allItems(lockers, "/parcels", { query: { status: "ready" } });
      const soon = Date.now() + EXPIRING_WITHIN_MS;
      return ready.filter((parcel) => parcel.expires_at && Date.parse(parcel.expires_at) < soon);
    },
    vehicles: () => allItems(mobility, "/vehicle-stations"),
    systems: () => allItems(mobility, "/systems"),
    feeds: () => allItems(mobility, "/feeds"),
    outages: () => allItems(kiosk, "/equipment"),
    health: async () => {
      // /readyz answers 503 with the same document when something is down: read it either way.
      const response = await fetch("/readyz", { headers: { Accept: "application/json" }, cache: "no-store", signal: ctx.signal });
      return response.json();
    },
  };
}

function screensBlock(ctx, screens) {
  const offline = screens.filter((screen) => !screen.online);
  const behind = screens.filter((screen) => screen.online && screen.behind);
  const attention = [...offline, ...behind];
  return [
    h(
      "div",
      { class: "metrics" },
      metric({ value: screens.length - offline.length, label: ctx.t("dashboard.screensOnline", { total: screens.length }), tone: offline.length ? "warning" : "success", id: "metric-screens-online" }),
      metric({ value: offline.length, label: ctx.t("dashboard.screensOffline"), tone: offline.length ? "danger" : null, id: "metric-screens-offline" }),
      metric({ value: behind.length, label: ctx.t("dashboard.screensBehind"), tone: behind.length ? "warning" : null, id: "metric-screens-behind" }),
    ),
    dataTable({
      caption: ctx.t("dashboard.screensCaption"),
      rows: attention,
      rowKey: (screen) => screen.code,
      empty: ctx.t("dashboard.screensAllGood"),
      columns: [
        { label: ctx.t("dashboard.screen"), render: (screen) => screenLink(ctx, screen) },
        { label: ctx.t("dashboard.state"), render: (screen) => screenState(ctx, screen) },
        { label: ctx.t("dashboard.lastSeen"), render: (screen) => when(screen.last_seen_at) },
      ],
    }),
  ];
}

function alertsBlock(ctx, alerts) {
  if (!alerts.length) return h("p", { class: "empty-line muted", id: "no-alerts" }, ctx.t("dashboard.noAlerts"));
  return h(
    "ul",
    { class: "alert-list" },
    alerts.map((alert) => {
      const acked = Object.entries(alert.acknowledged ?? {});
      const waiting = alert.not_acknowledged ?? [];
      return h(
        "li",
        { class: `alert-item alert-item--${alert.severity}`, dataset: { alert: alert.id, acked: acked.length, waiting: waiting.length } },
        h("p", { class: "alert-item__text" }, severityBadge(ctx, alert.severity), " ", localized(alert.texts)),
        h("p", { class: "muted" }, ctx.t("dashboard.raised"), " ", when(alert.raised_at)),
        h(
          "p",
          { class: "alert-item__acks" },
          waiting.length === 0
            ? h("span", { class: "icon-text ack-all" }, icon("check"), ctx.t("dashboard.ackedAll", { count: acked.length }))
            : h("span", { class: "icon-text ack-waiting" }, icon("clock"), ctx.t("dashboard.ackWaiting", { screens: i18n.formatList(waiting), acked: acked.length, total: acked.length + waiting.length })),
        ),
      );
    }),
  );
}

function lockersBlock(ctx, banks, expiring) {
  const compartments = banks.flatMap((bank) => bank.compartments.map((compartment) => ({ ...compartment, bank: bank.code })));
  const inService = compartments.filter((c) => c.state !== "out_of_service");
  const occupied = inService.filter((c) => c.state !== "free");
  const broken = compartments.filter((c) => c.state === "out_of_service");
  return [
    h(
      "div",
      { class: "metrics" },
      metric({ value: `${i18n.formatNumber(occupied.length)} / ${i18n.formatNumber(inService.length)}`, label: ctx.t("dashboard.lockersOccupied"), id: "metric-lockers-occupied" }),
      metric({ value: broken.length, label: ctx.t("dashboard.lockersOut"), tone: broken.length ? "danger" : null, id: "metric-lockers-out", href: ctx.router.href("/lockers") }),
      metric({ value: expiring.length, label: ctx.t("dashboard.parcelsExpiring"), tone: expiring.length ? "warning" : null, id: "metric-parcels-expiring", href: ctx.router.href("/lockers/parcels", { status: "ready" }) }),
    ),
    dataTable({
      caption: ctx.t("dashboard.lockersOut"),
      rows: broken,
      rowKey: (c) => `${c.bank}-${c.label}`,
      empty: ctx.t("dashboard.lockersAllGood"),
      columns: [
        { label: ctx.t("dashboard.compartment"), render: (c) => h("span", { class: "mono" }, c.label) },
        { label: ctx.t("dashboard.reason"), render: (c) => c.out_of_service_reason ?? "—" },
        { label: ctx.t("dashboard.since"), render: (c) => when(c.updated_at) },
      ],
    }),
  ];
}

function mobilityBlock(ctx, vehicles, systems, feeds) {
  const available = vehicles.reduce((sum, station) => sum + (station.status?.num_vehicles_available ?? 0), 0);
  const docks = vehicles.reduce((sum, station) => sum + (station.status?.num_docks_available ?? 0), 0);
  const feedOf = new Map(feeds.map((feed) => [feed.system_id, feed]));
  return [
    h(
      "div",
      { class: "metrics" },
      metric({ value: available, label: ctx.t("dashboard.vehiclesAvailable"), id: "metric-vehicles" }),
      metric({ value: docks, label: ctx.t("dashboard.docksAvailable"), id: "metric-docks" }),
    ),
    dataTable({
      caption: ctx.t("dashboard.feedsCaption"),
      rows: systems,
      empty: ctx.t("dashboard.noSystems"),
      columns: [
        { label: ctx.t("dashboard.system"), render: (system) => localized(system.name) },
        { label: ctx.t("dashboard.feed"), render: (system) => feedCell(ctx, system, feedOf.get(system.id)) },
        { label: ctx.t("dashboard.lastUpdate"), render: (system) => when(feedOf.get(system.id)?.last_success_at) },
      ],
    }),
  ];
}

function outagesBlock(ctx, outages) {
  return dataTable({
    caption: ctx.t("dashboard.outagesTitle"),
    rows: outages,
    rowKey: (outage) => outage.place_code,
    empty: ctx.t("dashboard.noOutages"),
    columns: [
      { label: ctx.t("dashboard.equipment"), render: (outage) => h("a", { href: ctx.router.href("/kiosk/equipment") }, outage.name) },
      { label: ctx.t("dashboard.reason"), render: (outage) => outage.reason ?? "—" },
      { label: ctx.t("dashboard.until"), render: (outage) => (outage.until ? h("time", { datetime: outage.until }, i18n.formatDateTime(outage.until)) : ctx.t("dashboard.untilUnknown")) },
    ],
  });
}

function healthBlock(ctx, health) {
  const checks = Object.entries(health.checks ?? {});
  return h(
    "ul",
    { class: "health-list", dataset: { status: health.status } },
    checks.map(([name, check]) =>
      h("li", { dataset: { check: name, status: check.status } }, stateBadge(check.status, ctx.t(`dashboard.health.${check.status}`)), " ", h("span", null, ctx.t(`dashboard.component.${name}`))),
    ),
  );
}

export default {
  id: "dashboard",
  path: "/",
  title: "dashboard.title",
  nav: { label: "dashboard.nav", icon: "home", order: 10 },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const station = ctx.station;
    const status = h("p", { class: "live-status muted", role: "status", id: "live-status" });
    const blocks = {
      alerts: panel({ title: ctx.t("dashboard.alertsTitle"), id: "alerts", actions: [h("a", { class: "button", href: ctx.router.href("/signage/alerts") }, icon("alert"), ctx.t("dashboard.raiseAlert"))] }),
      screens: panel({ title: ctx.t("dashboard.screensTitle"), id: "screens" }),
      lockers: panel({ title: ctx.t("dashboard.lockersTitle"), id: "lockers" }),
      mobility: panel({ title: ctx.t("dashboard.mobilityTitle"), id: "mobility" }),
      outages: panel({ title: ctx.t("dashboard.outagesTitle"), id: "outages" }),
      health: panel({ title: ctx.t("dashboard.healthTitle"), id: "health" }),
    };
    for (const block of Object.values(blocks)) block.append(h("div", { class: "panel__body" }, h("p", { class: "muted" }, ctx.t("common.loading"))));
    ctx.root.append(pageHeader({ title: ctx.t("dashboard.heading", { station: station.name }), lead: status }), h("div", { class: "dashboard" }, Object.values(blocks)));

    const read = sources(ctx);
    const data = {};
    const failed = new Set();
    const renderers = {
      alerts: () => alertsBlock(ctx, data.alerts),
      screens: () => screensBlock(ctx, data.screens),
      lockers: () => lockersBlock(ctx, data.banks, data.expiring),
      mobility: () => mobilityBlock(ctx, data.vehicles, data.systems, data.feeds),
      outages: () => outagesBlock(ctx, data.outages),
      health: () => healthBlock(ctx, data.health),
    };
    const needs = { alerts: ["alerts"], screens: ["screens"], lockers: ["banks", "expiring"], mobility: ["vehicles", "systems", "feeds"], outages: ["outages"], health: ["health"] };

    async function refresh() {
      const names = Object.keys(read);
      const results = await Promise.allSettled(names.map((name) => read[name]()));
      if (ctx.signal.aborted) return;
      results.forEach((result, index) => {
        if (result.status === "fulfilled") {
          data[names[index]] = result.value;
          failed.delete(names[index]);
        } else {
          failed.add(names[index]);
        }
      });
      for (const [block, keys] of Object.entries(needs)) {
        const body = blocks[block].querySelector(".panel__body");
        const stale = keys.some((key) => failed.has(key));
        blocks[block].dataset.stale = String(stale);
        if (keys.every((key) => key in data)) replace(body, stale && h("p", { class: "stale-mark" }, icon("offline"), ctx.t("dashboard.stale")), renderers[block]());
        else if (stale) replace(body, h("p", { class: "stale-mark" }, icon("offline"), ctx.t("dashboard.unavailable")));
      }
      replace(status, failed.size ? icon("offline") : icon("refresh"), " ", ctx.t("dashboard.updated", { time: i18n.formatTime(new Date(), { timeStyle: "medium" }) }));
      status.dataset.failed = [...failed].join(" ");
    }

    await refresh();
    (async () => {
      while (!ctx.signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, document.hidden ? REFRESH_MS * 5 : REFRESH_MS));
        if (!ctx.signal.aborted) await refresh().catch((error) => console.warn("dashboard refresh", error));
      }
    })();
  },
};
