// One system (/mobility/systems/:id): its feed, its vehicle stations near this station with their
// availability, its vehicle types and pricing plans (read-only here: the feed or the operator's
// reports fill them).

import { h, replace } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { MAX_LIMIT, allItems, itemsOf } from "../../common/pages.js";
import { button } from "../../common/ui.js";
import { dataTable, livePoll, localized, pageHeader, panel, savedToast, when } from "../kit.js";
import { deleteSystem, editSystem, feedCell, mayChangeShared, mobilityApi, sharedNote } from "./systems.js";

function stationsTable(ctx, stations, types) {
  const typeName = new Map(types.map((type) => [type.id, localized(type.name)]));
  return dataTable({
    caption: ctx.t("mobility.vehicleStations"),
    rows: stations,
    empty: ctx.t("mobility.noStations"),
    columns: [
      { label: ctx.t("mobility.vehicleStation"), render: (s) => s.name },
      { label: ctx.t("mobility.kind"), render: (s) => ctx.t(`mobility.kind.${s.kind}`) },
      { label: ctx.t("mobility.distance"), numeric: true, render: (s) => (s.distance_m == null ? "—" : ctx.t("mobility.metres", { m: i18n.formatNumber(s.distance_m) })) },
      { label: ctx.t("mobility.available"), numeric: true, render: (s) => (s.status ? i18n.formatNumber(s.status.num_vehicles_available) : "—") },
      { label: ctx.t("mobility.byType"), render: (s) => (s.status?.vehicle_types_available ?? []).filter((c) => c.count).map((c) => `${typeName.get(c.vehicle_type_id) ?? c.vehicle_type_id} ${c.count}`).join(" · ") || "—" },
      { label: ctx.t("mobility.docks"), numeric: true, render: (s) => (s.status?.num_docks_available == null ? "—" : `${i18n.formatNumber(s.status.num_docks_available)}${s.capacity ? ` / ${i18n.formatNumber(s.capacity)}` : ""}`) },
      { label: ctx.t("mobility.reported"), render: (s) => when(s.status?.last_reported) },
    ],
  });
}

function typesTable(ctx, types, plans) {
  const planName = new Map(plans.map((plan) => [plan.id, localized(plan.name)]));
  return dataTable({
    caption: ctx.t("mobility.vehicleTypes"),
    rows: types,
    empty: ctx.t("mobility.noTypes"),
    columns: [
      { label: ctx.t("mobility.vehicleType"), render: (t) => h("span", null, localized(t.name), " ", h("span", { class: "mono muted" }, t.id)) },
      { label: ctx.t("mobility.formFactor"), render: (t) => ctx.t(`mobility.formFactor.${t.form_factor}`) },
      { label: ctx.t("mobility.propulsion"), render: (t) => ctx.t(`mobility.propulsion.${t.propulsion_type}`) },
      { label: ctx.t("mobility.range"), numeric: true, render: (t) => (t.max_range_meters == null ? "—" : ctx.t("mobility.km", { km: i18n.formatNumber(Math.round(t.max_range_meters / 1000)) })) },
      { label: ctx.t("mobility.plan"), render: (t) => (t.pricing_plan_id ? planName.get(t.pricing_plan_id) ?? t.pricing_plan_id : "—") },
    ],
  });
}

function plansTable(ctx, plans) {
  return dataTable({
    caption: ctx.t("mobility.pricingPlans"),
    rows: plans,
    empty: ctx.t("mobility.noPlans"),
    columns: [
      { label: ctx.t("mobility.plan"), render: (p) => localized(p.name) },
      { label: ctx.t("mobility.description"), render: (p) => localized(p.description) },
      { label: ctx.t("mobility.price"), numeric: true, render: (p) => new Intl.NumberFormat(i18n.locale, { style: "currency", currency: p.currency }).format(p.price) },
    ],
  });
}

export default {
  id: "mobility-system",
  path: "/mobility/systems/:id",
  title: "mobility.systemTitle",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const api = mobilityApi(ctx);
    const id = ctx.params.id;
    const [system, stations, types, plans] = await Promise.all([
      api.get(`/systems/${encodeURIComponent(id)}`),
      allItems(api, "/vehicle-stations"),
      allItems(api, "/vehicle-types", { query: { system_id: id } }),
      allItems(api, "/pricing-plans", { query: { system_id: id } }),
    ]);
    const feed = h("div", { class: "feed-slot" }, feedCell(ctx, system, null));
    const edit = button({
      label: ctx.t("console.edit"),
      dataset: { action: "edit" },
      onClick: async () => {
        if (await editSystem(ctx, system)) {
          savedToast(ctx);
          ctx.router.navigate(ctx.path, ctx.query, { replace: true });
        }
      },
    });
    const remove = button({
      label: ctx.t("console.delete"),
      variant: "danger",
      dataset: { action: "delete" },
      onClick: async (event) => (await deleteSystem(ctx, system, event.currentTarget)) && ctx.router.navigate("/mobility"),
    });
    ctx.root.append(
      pageHeader({ title: localized(system.name), lead: h("p", { class: "muted" }, h("span", { class: "mono" }, system.id), system.operator && ` · ${localized(system.operator)}`), actions: mayChangeShared(ctx) ? [edit, remove] : [] }),
      h("p", null, h("a", { href: ctx.router.href("/mobility") }, ctx.t("mobility.backToSystems"))),
      !mayChangeShared(ctx) && sharedNote(ctx),
      panel({ title: ctx.t("mobility.feedState"), id: "feed" }, feed, system.feed_url && h("p", { class: "muted mono" }, system.feed_url)),
      panel({ title: ctx.t("mobility.vehicleStations"), id: "vehicle-stations" }, stationsTable(ctx, stations.filter((s) => s.system_id === id), types)),
      panel({ title: ctx.t("mobility.vehicleTypes"), id: "vehicle-types" }, typesTable(ctx, types, plans)),
      panel({ title: ctx.t("mobility.pricingPlans"), id: "pricing-plans" }, plansTable(ctx, plans)),
    );
    if (system.feed_url) {
      livePoll(ctx, api.path("/feeds"), {
        interval: 3000,
        query: { limit: MAX_LIMIT },
        onData: (page) => {
          const states = itemsOf(page, "/feeds");
          replace(feed, feedCell(ctx, system, states.find((state) => state.system_id === id)), " ", h("span", { class: "muted" }, ctx.t("mobility.lastSuccess"), " ", when(states.find((state) => state.system_id === id)?.last_success_at)));
        },
      });
    }
  },
};
