// What the lockers views share: the section's tabs, the service's calls, and the words for the
// states the service reports (compartments, parcels, door openings).

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { sectionTabs, serviceApi, stateBadge } from "../kit.js";

export const SIZES = ["S", "M", "L", "XL"];
export const PARCEL_STATUSES = ["announced", "deposited", "ready", "collected", "expired", "returned"];

export function lockersApi(ctx) {
  return serviceApi(ctx, "lockers");
}

/** Banks and compartments / parcels / door openings. */
export function tabs(ctx) {
  return sectionTabs(ctx, {
    label: ctx.t("lockers.tabs"),
    items: [
      { id: "banks", path: "/lockers", label: ctx.t("lockers.tab.banks") },
      { id: "parcels", path: "/lockers/parcels", label: ctx.t("lockers.tab.parcels") },
      { id: "openings", path: "/lockers/openings", label: ctx.t("lockers.tab.openings") },
    ],
  });
}

export function compartmentState(ctx, compartment) {
  return stateBadge(compartment.state, ctx.t(`lockers.state.${compartment.state}`));
}

const PARCEL_TONES = { announced: "info", deposited: "info", ready: "ok", collected: "active", expired: "expiring", returned: "stale" };

export function parcelStatus(ctx, status) {
  return h("span", { dataset: { status } }, stateBadge(PARCEL_TONES[status] ?? status, ctx.t(`lockers.status.${status}`)));
}

const OUTCOME_TONES = { requested: "info", open: "active", closed: "ok", timeout: "stale", jammed: "error", door_fault: "error" };

export function openingOutcome(ctx, outcome) {
  return stateBadge(OUTCOME_TONES[outcome] ?? outcome, ctx.t(`lockers.outcome.${outcome}`));
}

/** "S 3/4 · M 0/5 ..." as a compact line, with each size as its own text. */
export function availabilityLine(ctx, availability) {
  return h(
    "span",
    { class: "size-line" },
    SIZES.filter((size) => availability[size]?.total).map((size) =>
      h("span", { class: "size-chip", dataset: { size } }, h("strong", null, size), " ", ctx.t("lockers.freeOf", { free: availability[size].free, total: availability[size].total })),
    ),
  );
}

/** The station's banks, by code. */
export async function loadBanks(ctx) {
  return allItems(lockersApi(ctx), "/banks");
}
