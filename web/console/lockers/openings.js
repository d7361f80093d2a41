// The door-opening audit (/lockers/openings): every opening asked for or reported, newest first,
// by bank: who, how (courier, app, keypad, QR), why, how it ended, and when.

import { h } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { button } from "../../common/ui.js";
import { dataTable, pageHeader, pagedList, panel } from "../kit.js";
import { loadBanks, lockersApi, openingOutcome, tabs } from "./common.js";

const PAGE_SIZE = 50;

function bankFilter(ctx, banks) {
  const form = h(
    "form",
    { class: "filters", "aria-label": ctx.t("lockers.openingFilters") },
    h(
      "div",
      { class: "field" },
      h("label", { class: "field__label", for: "filter-bank" }, ctx.t("lockers.bank")),
      h("select", { class: "select", id: "filter-bank", name: "bank" }, h("option", { value: "" }, ctx.t("lockers.allBanks")), banks.map((b) => h("option", { value: b.code, selected: b.code === ctx.query.bank }, `${b.code} · ${b.name}`))),
    ),
    button({ label: ctx.t("console.filter"), icon: "search", type: "submit", variant: "primary" }),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ctx.router.navigate("/lockers/openings", { bank: new FormData(form).get("bank") });
  });
  return form;
}

function at(iso) {
  return iso ? h("time", { datetime: iso }, i18n.formatDateTime(iso, { dateStyle: "short", timeStyle: "medium" })) : h("span", { class: "muted" }, "—");
}

function openingsTable(ctx, openings) {
  return dataTable({
    caption: ctx.t("lockers.openings"),
    rows: openings,
    empty: ctx.t("lockers.noOpenings"),
    columns: [
      { label: ctx.t("lockers.requestedAt"), render: (o) => at(o.requested_at) },
      { label: ctx.t("lockers.compartment"), render: (o) => h("span", { class: "mono" }, o.compartment) },
      { label: ctx.t("lockers.actor"), render: (o) => h("span", { class: "mono" }, o.actor) },
      { label: ctx.t("lockers.method"), render: (o) => ctx.t(`lockers.method.${o.method}`) },
      { label: ctx.t("lockers.purpose"), render: (o) => ctx.t(`lockers.purpose.${o.purpose}`) },
      { label: ctx.t("lockers.outcome"), render: (o) => openingOutcome(ctx, o.outcome) },
      { label: ctx.t("lockers.closedAt"), render: (o) => at(o.closed_at) },
      { label: ctx.t("lockers.parcel"), render: (o) => (o.parcel_id ? h("a", { href: ctx.router.href(`/lockers/parcels/${o.parcel_id}`), "aria-label": ctx.t("lockers.parcelLink", { id: o.parcel_id.slice(0, 8) }) }, h("span", { class: "mono" }, o.parcel_id.slice(0, 8))) : "—") },
    ],
  });
}

export default {
  id: "lockers-openings",
  path: "/lockers/openings",
  title: "lockers.openingsTitle",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const banks = await loadBanks(ctx);
    const list = pagedList({ reader: lockersApi(ctx), path: "/openings", query: { bank: ctx.query.bank }, limit: PAGE_SIZE, table: (rows) => openingsTable(ctx, rows) });
    ctx.root.append(pageHeader({ title: ctx.t("lockers.openingsTitle"), lead: ctx.t("lockers.openingsLead") }), tabs(ctx), panel({ title: ctx.t("lockers.openings"), id: "openings" }, bankFilter(ctx, banks), list));
    await list.start();
  },
};
