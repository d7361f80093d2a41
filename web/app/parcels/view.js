// My parcels: what waits for me in the station's lockers, the QR code for the bank's reader, and
// the "open" button with what the door does (opening, open, closed, failed: try the code).

import { h, replace } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button, badge, emptyState, problemNotice, whileBusy } from "../../common/ui.js";

const STATUS_TONES = { ready: "success", deposited: "info", announced: "info", expired: "warning", collected: null, returned: null };
// The door closes when the traveller pushes it: the page checks the parcel until it says collected.
const CLOSED_POLL_MS = 1000;
const CLOSED_POLL_LIMIT = 300;

function lockersPath(ctx, rest) {
  return `/api/v1/stations/${encodeURIComponent(ctx.station.slug)}/lockers${rest}`;
}

function doorState(ctx) {
  const { t } = ctx;
  const state = h("p", { class: "parcel__door", role: "status", dataset: { state: "idle" } });
  const set = (name, params) => {
    state.dataset.state = name;
    state.textContent = name === "idle" ? "" : t(`parcels.door.${name}`, params);
  };
  return { state, set };
}

function qrPanel(ctx, parcel) {
  const { t, api } = ctx;
  const panel = h("div", { class: "parcel__qr", hidden: true });
  let url = null;
  const show = button({
    label: t("parcels.showQr"),
    icon: "qr",
    variant: "quiet",
    dataset: { action: "qr" },
    onClick: async () => {
      const issued = await whileBusy(show, () => api.post(lockersPath(ctx, `/parcels/${parcel.id}/unlock-tokens`), undefined, { auth: "required" }));
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob([issued.qr_svg], { type: "image/svg+xml" }));
      const until = ctx.i18n.formatTime(new Date(issued.expires_at));
      replace(
        panel,
        h("img", { src: url, alt: t("parcels.qrAlt", { label: parcel.compartment }), width: 220, height: 220 }),
        h("p", { class: "muted" }, t("parcels.qrHelp", { time: until })),
      );
      panel.hidden = false;
    },
  });
  ctx.signal.addEventListener("abort", () => url && URL.revokeObjectURL(url));
  return { panel, show };
}

async function waitCollected(ctx, parcel, door, onDone) {
  for (let i = 0; i < CLOSED_POLL_LIMIT && !ctx.signal.aborted; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, CLOSED_POLL_MS));
    const fresh = await ctx.api.get(lockersPath(ctx, `/parcels/${parcel.id}`), { auth: "required", signal: ctx.signal }).catch(() => null);
    if (fresh && fresh.status === "collected") {
      door.set("closed");
      onDone(fresh);
      return;
    }
  }
}

function parcelCard(ctx, parcel, refresh) {
  const { t, i18n } = ctx;
  const door = doorState(ctx);
  const actions = h("div", { class: "cluster" });
  const collectable = parcel.direction === "inbound" && parcel.status === "ready";
  if (collectable) {
    // The code the bank's screen shows: proof the traveller stands at the locker.
    const presence = h("input", {
      type: "text",
      inputmode: "numeric",
      autocomplete: "one-time-code",
      pattern: "[0-9]{6}",
      maxlength: "6",
      class: "input",
      "aria-label": t("parcels.presence"),
      placeholder: t("parcels.presence"),
      dataset: { field: "presence-code" },
    });
    const open = button({
      label: t("parcels.open"),
      icon: "parcel",
      variant: "primary",
      dataset: { action: "open" },
      onClick: async () => {
        door.set("opening");
        try {
          const opened = await whileBusy(open, () => ctx.api.post(lockersPath(ctx, `/parcels/${parcel.id}/open`), { presence_code: presence.value.trim() }, { auth: "required" }));
          door.set("open", { label: opened.compartment });
          open.disabled = true;
          waitCollected(ctx, parcel, door, () => setTimeout(refresh, 1500));
        } catch (error) {
          const slug = (error.problem?.type ?? "").split("/").pop();
          door.set(slug === "controller-timeout" || slug === "door-jammed" ? "failed" : slug.startsWith("presence") ? "presence" : "refused");
        }
      },
    });
    const qr = qrPanel(ctx, parcel);
    actions.append(presence, open, qr.show);
    return h(
      "article",
      { class: "card stack parcel", dataset: { parcel: parcel.id, status: parcel.status } },
      header(ctx, parcel),
      h("p", null, t("parcels.where", { bank: parcel.bank, label: parcel.compartment })),
      parcel.expires_at && h("p", { class: "muted" }, t("parcels.until", { date: i18n.formatDateTime(new Date(parcel.expires_at)) })),
      actions,
      door.state,
      qr.panel,
    );
  }
  return h("article", { class: "card stack parcel", dataset: { parcel: parcel.id, status: parcel.status } }, header(ctx, parcel));
}

function header(ctx, parcel) {
  const { t } = ctx;
  return h(
    "div",
    { class: "cluster parcel__head" },
    h("h2", { class: "card__title" }, t(parcel.direction === "inbound" ? "parcels.from" : "parcels.sending", { carrier: parcel.carrier })),
    badge(t(`parcels.status.${parcel.status}`), STATUS_TONES[parcel.status] ?? null),
  );
}

export default {
  id: "parcels",
  path: "/parcels",
  title: "parcels.title",
  requiresAuth: true,
  nav: { label: "parcels.nav", icon: "parcel", order: 20, description: "parcels.description" },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const { t, root } = ctx;
    root.append(h("h1", { id: "view-title" }, t("parcels.title")));
    if (!ctx.station) {
      root.append(emptyState({ icon: "station", title: t("stations.none"), action: button({ label: t("stations.pick"), variant: "primary", onClick: () => ctx.pickStation() }) }));
      return;
    }
    const body = h("div", { class: "stack stack--loose", id: "parcels" });
    root.append(body);
    const refresh = async () => {
      try {
        const mine = await allItems(ctx.api, lockersPath(ctx, "/parcels/mine"), { auth: "required", signal: ctx.signal });
        const waiting = mine.filter((p) => !["collected", "returned"].includes(p.status));
        const done = mine.filter((p) => ["collected", "returned"].includes(p.status));
        if (!mine.length) {
          replace(body, emptyState({ icon: "parcel", title: t("parcels.none"), text: t("parcels.noneText") }));
          return;
        }
        replace(
          body,
          h("div", { class: "stack", role: "group", "aria-label": t("parcels.waiting") }, waiting.map((p) => parcelCard(ctx, p, refresh))),
          done.length ? h("section", { "aria-labelledby": "parcels-done" }, h("h2", { class: "section-title", id: "parcels-done" }, t("parcels.done")), h("div", { class: "stack" }, done.map((p) => parcelCard(ctx, p, refresh)))) : null,
        );
      } catch (error) {
        if (!ctx.signal.aborted) replace(body, problemNotice(error, { onRetry: refresh }));
      }
    };
    await refresh();
  },
};
