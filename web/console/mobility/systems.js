// Vehicle-sharing systems (/mobility): each system with the state of its GBFS feed, followed live
// (ok, stale, failing and why, last success), and the forms to add, change and remove a system.
// Systems are shared by the stations of the deployment: a change here shows at every station, so
// only a network administrator (scope network:admin) is offered to add, change or remove one.

import { h, replace } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { icon } from "../../common/icons.js";
import { MAX_LIMIT, itemsOf } from "../../common/pages.js";
import { button, problemTitle, whileBusy } from "../../common/ui.js";
import { dataTable, formDialog, livePoll, localized, pageHeader, pagedList, panel, savedToast, serviceApi, stateBadge, when } from "../kit.js";

const PAGE_SIZE = 50;
const FEEDS_REFRESH_MS = 3000;

export function mobilityApi(ctx) {
  return serviceApi(ctx, "mobility");
}

/** Systems, vehicle types and pricing plans are shared by every station: administrators change them. */
export function mayChangeShared(ctx) {
  return ctx.session.hasScope("network:admin");
}

/** Said instead of the buttons to a station operator, who may not change what is shared. */
export function sharedNote(ctx) {
  return h("p", { class: "muted", dataset: { note: "shared" } }, icon("info"), " ", ctx.t("mobility.sharedNote"));
}

/** ok / stale / failing / pending, with the reason; "no feed" for a system reported by hand or bus. */
export function feedCell(ctx, system, feed) {
  if (!system.feed_url) return h("span", { class: "muted", dataset: { feed: "none" } }, ctx.t("mobility.noFeed"));
  if (!feed) return h("span", { dataset: { feed: "pending" } }, stateBadge("pending", ctx.t("mobility.feed.pending")));
  return h(
    "span",
    { class: "feed-state", dataset: { feed: feed.state } },
    stateBadge(feed.state, ctx.t(`mobility.feed.${feed.state}`)),
    feed.reason && h("span", { class: "feed-state__reason" }, " ", feed.reason),
  );
}

function systemFields(ctx, { creating }) {
  return [
    creating && { name: "id", label: ctx.t("mobility.field.id"), required: true, pattern: "[A-Za-z0-9._-]{1,24}", hint: ctx.t("mobility.hint.id"), spellcheck: "false" },
    { name: "name_fr", label: ctx.t("mobility.field.nameFr"), required: true, lang: "fr", errorKeys: ["name"] },
    { name: "name_en", label: ctx.t("mobility.field.nameEn"), lang: "en" },
    { name: "operator_fr", label: ctx.t("mobility.field.operatorFr"), lang: "fr", errorKeys: ["operator"] },
    { name: "operator_en", label: ctx.t("mobility.field.operatorEn"), lang: "en" },
    { name: "url", label: ctx.t("mobility.field.url"), type: "url", placeholder: "https://" },
    { name: "timezone", label: ctx.t("mobility.field.timezone"), required: true },
    { name: "feed_url", label: ctx.t("mobility.field.feedUrl"), type: "url", placeholder: "https://…/gbfs.json", hint: ctx.t("mobility.hint.feedUrl") },
  ].filter(Boolean);
}

/** Names are per language: the form edits French and English and keeps the other languages. */
function named(previous, fr, en) {
  const names = { ...(previous ?? {}), fr, en };
  for (const [lang, text] of Object.entries(names)) if (!text) delete names[lang];
  return Object.keys(names).length ? names : null;
}

function systemBody(values, system = null) {
  return {
    name: named(system?.name, values.name_fr, values.name_en),
    operator: named(system?.operator, values.operator_fr, values.operator_en),
    url: values.url,
    timezone: values.timezone,
    feed_url: values.feed_url,
  };
}

function formValues(system) {
  return {
    ...system,
    name_fr: system.name?.fr,
    name_en: system.name?.en,
    operator_fr: system.operator?.fr,
    operator_en: system.operator?.en,
  };
}

export function createSystem(ctx) {
  return formDialog({
    title: ctx.t("mobility.newSystem"),
    wide: true,
    fields: systemFields(ctx, { creating: true }),
    values: { timezone: "Europe/Paris" },
    submitLabel: ctx.t("console.create"),
    onSubmit: (values) => mobilityApi(ctx).post("/systems", { id: values.id, ...systemBody(values) }),
  });
}

export function editSystem(ctx, system) {
  return formDialog({
    title: ctx.t("mobility.editSystem", { id: system.id }),
    wide: true,
    fields: systemFields(ctx, { creating: false }),
    values: formValues(system),
    onSubmit: (values) => mobilityApi(ctx).patch(`/systems/${encodeURIComponent(system.id)}`, systemBody(values, system)),
  });
}

/** Remove after a yes; the service refuses while the system has stations, vehicles, types or plans. */
export async function deleteSystem(ctx, system, control) {
  const ok = await ctx.confirm({
    title: ctx.t("console.deleteTitle", { name: localized(system.name) }),
    message: ctx.t("mobility.deleteText"),
    confirmLabel: ctx.t("console.delete"),
    danger: true,
  });
  if (!ok) return false;
  try {
    await whileBusy(control, () => mobilityApi(ctx).delete(`/systems/${encodeURIComponent(system.id)}`));
    ctx.toast(ctx.t("console.deleted"), { tone: "success" });
    return true;
  } catch (error) {
    ctx.toast(problemTitle(error), { tone: "danger" });
    return false;
  }
}

export default {
  id: "mobility-systems",
  path: "/mobility",
  title: "mobility.title",
  nav: { label: "mobility.nav", icon: "bike", order: 40 },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const feeds = new Map();
    let poller = null;
    const liveStatus = h("p", { class: "live-status muted", id: "feeds-status" });

    function systemsTable(systems) {
      return dataTable({
        caption: ctx.t("mobility.systems"),
        className: "systems",
        rows: systems,
        empty: ctx.t("mobility.noSystems"),
        columns: [
          { label: ctx.t("mobility.system"), render: (s) => h("a", { href: ctx.router.href(`/mobility/systems/${s.id}`) }, localized(s.name), " ", h("span", { class: "mono muted" }, s.id)) },
          { label: ctx.t("mobility.operator"), render: (s) => localized(s.operator) || "—" },
          { label: ctx.t("mobility.feedState"), className: "feed-cell", render: (s) => h("span", { class: "feed-slot", dataset: { system: s.id } }, feedCell(ctx, s, feeds.get(s.id))) },
          { label: ctx.t("mobility.lastSuccess"), render: (s) => h("span", { class: "success-slot", dataset: { system: s.id } }, when(feeds.get(s.id)?.last_success_at)) },
          mayChangeShared(ctx) && {
            label: ctx.t("console.actions"),
            className: "actions",
            render: (s) =>
              h(
                "span",
                { class: "cluster" },
                button({ label: ctx.t("console.edit"), "aria-label": `${ctx.t("console.edit")} ${s.id}`, dataset: { action: "edit", system: s.id }, onClick: () => edit(s) }),
                button({ label: ctx.t("console.delete"), "aria-label": `${ctx.t("console.delete")} ${s.id}`, variant: "danger", dataset: { action: "delete", system: s.id }, onClick: (event) => remove(s, event.currentTarget) }),
              ),
          },
        ].filter(Boolean),
      });
    }

    // The systems table is drawn once per page read; the feed cells change in place as the feeds move.
    const systemsById = new Map();
    let list;
    function newList() {
      return pagedList({
        reader: mobilityApi(ctx),
        path: "/systems",
        limit: PAGE_SIZE,
        table: (systems) => {
          for (const system of systems) systemsById.set(system.id, system);
          return systemsTable(systems);
        },
      });
    }
    const holder = h("div");
    async function reload() {
      systemsById.clear();
      list = newList();
      replace(holder, list);
      await list.start();
    }

    async function edit(system) {
      if (!(await editSystem(ctx, system))) return;
      savedToast(ctx);
      await reload();
      poller?.refresh();
    }

    async function remove(system, control) {
      if (await deleteSystem(ctx, system, control)) await reload();
    }

    function showFeeds(page) {
      const states = itemsOf(page, "/feeds");
      feeds.clear();
      for (const feed of states) feeds.set(feed.system_id, feed);
      for (const slot of ctx.root.querySelectorAll(".feed-slot")) {
        const system = systemsById.get(slot.dataset.system);
        if (system) replace(slot, feedCell(ctx, system, feeds.get(system.id)));
      }
      for (const slot of ctx.root.querySelectorAll(".success-slot")) replace(slot, when(feeds.get(slot.dataset.system)?.last_success_at));
      replace(liveStatus, icon("refresh"), " ", ctx.t("mobility.feedsUpdated", { time: i18n.formatTime(new Date(), { timeStyle: "medium" }) }));
    }

    const add = button({
      label: ctx.t("mobility.newSystem"),
      icon: "plus",
      variant: "primary",
      dataset: { action: "new-system" },
      onClick: async () => {
        if (await createSystem(ctx)) {
          savedToast(ctx);
          await reload();
          poller?.refresh();
        }
      },
    });
    const actions = mayChangeShared(ctx) ? [add] : [];
    ctx.root.append(pageHeader({ title: ctx.t("mobility.title"), lead: ctx.t("mobility.lead"), actions }), panel({ title: ctx.t("mobility.systems"), id: "systems" }, !mayChangeShared(ctx) && sharedNote(ctx), liveStatus, holder));
    await reload();
    poller = livePoll(ctx, mobilityApi(ctx).path("/feeds"), {
      interval: FEEDS_REFRESH_MS,
      query: { limit: MAX_LIMIT },
      onData: showFeeds,
      onError: () => replace(liveStatus, icon("offline"), " ", ctx.t("mobility.feedsStale")),
    });
  },
};
