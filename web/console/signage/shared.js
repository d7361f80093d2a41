// What the signage views share: the section's tabs and page frame, the signage service and the
// gateway's device registry for the chosen station, and the fields and wording of targets.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { loading, problemNotice } from "../../common/ui.js";
import { pageHeader, sectionTabs, serviceApi } from "../kit.js";

export const MESSAGES = new URL("./i18n/", import.meta.url);

const TABS = ["screens", "pair", "content", "playlists", "schedules", "layouts", "alerts", "plays", "agenda", "visits"];

/** The view's heading, the tabs between the section's views, and the body the view fills. */
export function frame(ctx, { title, lead, actions = [] }) {
  const body = h("div", { class: "signage stack" });
  ctx.root.append(
    pageHeader({ title, lead, actions }),
    sectionTabs(ctx, { label: ctx.t("signage.tabs"), items: TABS.map((id) => ({ id, path: `/signage/${id}`, label: ctx.t(`signage.tab.${id}`) })) }),
    body,
  );
  return body;
}

/**
 * Fill `target` with what `draw()` returns, showing a spinner meanwhile and a notice with a retry
 * when a read fails. Returns a function that draws again (after an edit).
 */
export function drawInto(ctx, target, draw) {
  const redraw = async () => {
    if (!target.childElementCount) target.replaceChildren(loading());
    try {
      const content = await draw();
      target.replaceChildren(...[content].flat().filter(Boolean));
    } catch (error) {
      if (ctx.signal.aborted) return;
      target.replaceChildren(problemNotice(error, { onRetry: redraw }));
    }
  };
  return redraw;
}

export const signageApi = (ctx) => serviceApi(ctx, "signage");

/** The gateway's paired devices of the chosen station (docs/auth.md). */
export function devicesApi(ctx) {
  const options = { auth: "required", signal: ctx.signal };
  const station = ctx.station.slug;
  return {
    list: () => allItems(ctx.api, "/auth/devices", { ...options, query: { station } }),
    claim: (body) => ctx.api.post("/auth/devices/claim", { station, ...body }, options),
    deny: (userCode) => ctx.api.post("/auth/devices/deny", { station, user_code: userCode }, options),
    unpair: (clientId) => ctx.api.delete(`/auth/devices/${encodeURIComponent(clientId)}`, options),
  };
}

/** "hall, quai-2 · zone: platform · tag: expo", or "every screen". */
export function targetsText(ctx, targets = {}) {
  const parts = [];
  if (targets.screens?.length) parts.push(`${ctx.t("signage.targets.screens")}: ${targets.screens.join(", ")}`);
  if (targets.zones?.length) parts.push(`${ctx.t("signage.targets.zones")}: ${targets.zones.join(", ")}`);
  if (targets.tags?.length) parts.push(`${ctx.t("signage.targets.tags")}: ${targets.tags.join(", ")}`);
  return parts.length ? parts.join(" · ") : ctx.t("signage.targets.all");
}

/** The target fields of a form (screens checked from the station's list; zones and tags typed). */
export function targetFields(ctx, screens) {
  return [
    { name: "target_screens", label: ctx.t("signage.targets.screens"), type: "multiselect", options: screens.map((s) => ({ value: s.code, label: `${s.name} (${s.code})` })) },
    { name: "target_zones", label: ctx.t("signage.targets.zones"), type: "list", hint: ctx.t("signage.listHint"), errorKeys: ["zones"] },
    { name: "target_tags", label: ctx.t("signage.targets.tags"), type: "list", hint: ctx.t("signage.listHint"), errorKeys: ["tags"] },
  ];
}

export const targetsFrom = (values) => ({ screens: values.target_screens ?? [], zones: values.target_zones ?? [], tags: values.target_tags ?? [] });
export const targetValues = (targets = {}) => ({ target_screens: targets.screens ?? [], target_zones: targets.zones ?? [], target_tags: targets.tags ?? [] });

/** The layout a screen (or a schedule) shows: a template or the station's own; empty: the whole screen. */
export function layoutField(ctx, layouts, hint) {
  return {
    name: "layout",
    label: ctx.t("signage.screen.layout"),
    type: "select",
    emptyLabel: ctx.t("signage.layout.none"),
    hint: ctx.t(hint),
    options: layouts.map((l) => ({ value: l.code, label: `${l.name} (${l.code})` })),
  };
}
