// Parcels of the station (/lockers/parcels): filtered by status and bank, searched by id or carrier
// reference, page by page; and one parcel (/lockers/parcels/:id) with its status history.
// Filters live in the address, so a filtered list can be linked to (the dashboard does).

import { h } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { button } from "../../common/ui.js";
import { dataTable, pageHeader, pagedList, panel, when } from "../kit.js";
import { PARCEL_STATUSES, loadBanks, lockersApi, parcelStatus, tabs } from "./common.js";

const PAGE_SIZE = 25;

function select(name, label, options, value) {
  const id = `filter-${name}`;
  return h(
    "div",
    { class: "field" },
    h("label", { class: "field__label", for: id }, label),
    h("select", { class: "select", id, name }, options.map((option) => h("option", { value: option.value, selected: option.value === (value ?? "") }, option.label))),
  );
}

function filtersForm(ctx, banks) {
  const { q = "", status = "", bank = "" } = ctx.query;
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": ctx.t("lockers.parcelFilters") },
    h("div", { class: "field" }, h("label", { class: "field__label", for: "filter-q" }, ctx.t("lockers.searchLabel")), h("input", { class: "input", id: "filter-q", name: "q", type: "search", value: q, autocomplete: "off", spellcheck: "false", placeholder: ctx.t("lockers.searchPlaceholder") })),
    select("status", ctx.t("lockers.statusLabel"), [{ value: "", label: ctx.t("lockers.allStatuses") }, ...PARCEL_STATUSES.map((value) => ({ value, label: ctx.t(`lockers.status.${value}`) }))], status),
    select("bank", ctx.t("lockers.bank"), [{ value: "", label: ctx.t("lockers.allBanks") }, ...banks.map((b) => ({ value: b.code, label: `${b.code} · ${b.name}` }))], bank),
    button({ label: ctx.t("console.filter"), icon: "search", type: "submit", variant: "primary" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    ctx.router.navigate("/lockers/parcels", { q: String(values.q ?? "").trim(), status: values.status, bank: values.bank });
  });
  return form;
}

function parcelsTable(ctx, parcels) {
  return dataTable({
    caption: ctx.t("lockers.parcels"),
    rows: parcels,
    empty: ctx.t("lockers.noParcels"),
    columns: [
      { label: ctx.t("lockers.reference"), render: (p) => h("a", { href: ctx.router.href(`/lockers/parcels/${p.id}`) }, h("span", { class: "mono" }, p.carrier_reference)) },
      { label: ctx.t("lockers.carrier"), render: (p) => p.carrier },
      { label: ctx.t("lockers.statusLabel"), render: (p) => parcelStatus(ctx, p.status) },
      { label: ctx.t("lockers.where"), render: (p) => h("span", { class: "mono" }, p.compartment ?? p.bank) },
      { label: ctx.t("lockers.direction"), render: (p) => ctx.t(`lockers.direction.${p.direction}`) },
      { label: ctx.t("lockers.expires"), render: (p) => when(p.expires_at) },
    ],
  });
}

export const parcelsView = {
  id: "lockers-parcels",
  path: "/lockers/parcels",
  title: "lockers.parcelsTitle",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const banks = await loadBanks(ctx);
    const { q, status, bank } = ctx.query;
    const list = pagedList({ reader: lockersApi(ctx), path: "/parcels", query: { q, status, bank }, limit: PAGE_SIZE, table: (rows) => parcelsTable(ctx, rows) });
    ctx.root.append(pageHeader({ title: ctx.t("lockers.parcelsTitle"), lead: ctx.t("lockers.parcelsLead") }), tabs(ctx), panel({ title: ctx.t("lockers.parcels"), id: "parcels" }, filtersForm(ctx, banks), list));
    await list.start();
  },
};

function detailList(entries) {
  return h(
    "dl",
    { class: "facts" },
    entries.filter(([, value]) => value != null && value !== "").map(([term, value]) => [h("dt", null, term), h("dd", null, value)]),
  );
}

export const parcelView = {
  id: "lockers-parcel",
  path: "/lockers/parcels/:id",
  title: "lockers.parcelTitle",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const parcel = await lockersApi(ctx).get(`/parcels/${encodeURIComponent(ctx.params.id)}`);
    ctx.root.append(
      pageHeader({ title: ctx.t("lockers.parcelHeading", { reference: parcel.carrier_reference }), lead: h("p", null, parcelStatus(ctx, parcel.status)) }),
      tabs(ctx),
      panel(
        { title: ctx.t("lockers.parcelDetails"), id: "parcel" },
        detailList([
          [ctx.t("lockers.parcelId"), h("span", { class: "mono" }, parcel.id)],
          [ctx.t("lockers.carrier"), parcel.carrier],
          [ctx.t("lockers.reference"), h("span", { class: "mono" }, parcel.carrier_reference)],
          [ctx.t("lockers.direction"), ctx.t(`lockers.direction.${parcel.direction}`)],
          [ctx.t("lockers.size"), parcel.size],
          [ctx.t("lockers.bank"), h("a", { href: ctx.router.href(`/lockers/banks/${parcel.bank}`) }, parcel.bank)],
          [ctx.t("lockers.compartment"), parcel.compartment],
          [ctx.t("lockers.recipient"), parcel.recipient_phone && h("span", { class: "mono", dir: "ltr" }, parcel.recipient_phone)],
          [ctx.t("lockers.expires"), parcel.expires_at && h("time", { datetime: parcel.expires_at }, i18n.formatDateTime(parcel.expires_at))],
          [ctx.t("lockers.door"), ctx.t(parcel.door_open ? "lockers.doorOpen" : "lockers.doorClosed")],
        ]),
        h("p", null, h("a", { href: ctx.router.href("/lockers/openings", { bank: parcel.bank }) }, ctx.t("lockers.seeOpenings"))),
      ),
      panel(
        { title: ctx.t("lockers.history"), id: "history" },
        dataTable({
          caption: ctx.t("lockers.history"),
          rows: parcel.history,
          rowKey: (change) => `${change.status}-${change.at}`,
          columns: [
            { label: ctx.t("lockers.statusLabel"), render: (change) => parcelStatus(ctx, change.status) },
            { label: ctx.t("lockers.actor"), render: (change) => h("span", { class: "mono" }, change.actor) },
            { label: ctx.t("lockers.at"), render: (change) => h("time", { datetime: change.at }, i18n.formatDateTime(change.at)) },
          ],
        }),
      ),
    );
  },
};
