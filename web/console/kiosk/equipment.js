// Every lift, escalator, travelator and fare gate of the station with its state, live: put one out
// of service (why, until when) and back. Routes of the kiosks and the app avoid it at once.
//
// The list of equipment comes from the map (every place of those kinds); whether each is out of
// service, why and until when, from GET /equipment, read again every few seconds.

import { h, replace } from "../../common/dom.js";
import { i18n } from "../../common/i18n.js";
import { MAX_LIMIT, fetchPage, itemsOf } from "../../common/pages.js";
import { button, problemNotice } from "../../common/ui.js";
import { dataTable, formDialog, livePoll, pageHeader, panel, savedToast, stateBadge, stationTimeToIso } from "../kit.js";
import { EQUIPMENT_KINDS, kioskApi, loadMap, placeLink, tabs } from "./common.js";

const REFRESH_MS = 4000;

function statusCell(ctx, outage) {
  if (!outage) return stateBadge("ok", ctx.t("kiosk.equipment.inService"));
  return stateBadge("out_of_service", ctx.t("kiosk.equipment.outOfService"));
}

function untilCell(ctx, outage) {
  if (!outage) return "—";
  return outage.until ? h("time", { datetime: outage.until }, i18n.formatDateTime(outage.until)) : ctx.t("kiosk.equipment.untilUnknown");
}

async function putOutOfService(ctx, place) {
  return formDialog({
    title: ctx.t("kiosk.equipment.outTitle", { name: place.name }),
    submitLabel: ctx.t("kiosk.equipment.putOut"),
    fields: [
      { name: "reason", label: ctx.t("kiosk.equipment.reason"), hint: ctx.t("kiosk.equipment.reasonHint") },
      { name: "until", type: "datetime-local", label: ctx.t("kiosk.equipment.until"), hint: ctx.t("kiosk.equipment.untilHint", { zone: i18n.timeZone }) },
    ],
    onSubmit: (values) =>
      kioskApi(ctx).put(`/equipment/${encodeURIComponent(place.code)}`, {
        status: "out_of_service",
        reason: values.reason,
        until: values.until ? stationTimeToIso(values.until) : null,
      }),
  });
}

async function putBack(ctx, place) {
  const sure = await ctx.confirm({
    title: ctx.t("kiosk.equipment.backTitle", { name: place.name }),
    message: ctx.t("kiosk.equipment.backText"),
    confirmLabel: ctx.t("kiosk.equipment.putBack"),
  });
  if (!sure) return false;
  await kioskApi(ctx).put(`/equipment/${encodeURIComponent(place.code)}`, { status: "in_service" });
  return true;
}

export default {
  id: "kiosk-equipment",
  path: "/kiosk/equipment",
  title: "kiosk.equipment.title",
  async render(ctx) {
    const status = h("p", { class: "live-status muted", role: "status", id: "live-status" });
    const body = h("div", { class: "panel__body" }, h("p", { class: "muted" }, ctx.t("common.loading")));
    const problem = h("div", { id: "equipment-problem" });
    ctx.root.append(
      pageHeader({ title: ctx.t("kiosk.equipment.title"), lead: ctx.t("kiosk.equipment.lead") }),
      tabs(ctx),
      status,
      panel({ title: ctx.t("kiosk.equipment.listTitle"), id: "equipment" }, problem, body),
    );
    const map = await loadMap(ctx);
    const levelName = new Map(map.levels.map((level) => [level.code, level.name]));
    const levelIndex = new Map(map.levels.map((level) => [level.code, level.index]));
    const equipment = map.places
      .filter((place) => EQUIPMENT_KINDS.includes(place.kind))
      .sort((a, b) => levelIndex.get(b.level_code) - levelIndex.get(a.level_code) || a.name.localeCompare(b.name, i18n.locale));
    let outages = new Map();

    const act = async (event, work) => {
      const control = event.currentTarget;
      replace(problem);
      try {
        control.disabled = true;
        if (await work()) {
          savedToast(ctx);
          await refresh();
        }
      } catch (error) {
        if (error?.name !== "AbortError") replace(problem, problemNotice(error));
      } finally {
        control.disabled = false;
      }
    };

    function draw() {
      replace(
        body,
        dataTable({
          caption: ctx.t("kiosk.equipment.listTitle"),
          rows: equipment,
          rowKey: (place) => place.code,
          empty: ctx.t("kiosk.equipment.none"),
          columns: [
            { label: ctx.t("kiosk.equipment.name"), render: (place) => placeLink(ctx, place.code, place.name) },
            { label: ctx.t("kiosk.place.kind"), render: (place) => ctx.t(`kiosk.kind.${place.kind}`) },
            { label: ctx.t("kiosk.place.level"), render: (place) => levelName.get(place.level_code) ?? place.level_code },
            { label: ctx.t("kiosk.equipment.status"), render: (place) => statusCell(ctx, outages.get(place.code)) },
            { label: ctx.t("kiosk.equipment.reason"), render: (place) => outages.get(place.code)?.reason ?? "—" },
            { label: ctx.t("kiosk.equipment.until"), render: (place) => untilCell(ctx, outages.get(place.code)) },
            {
              label: ctx.t("console.actions"),
              render: (place) =>
                outages.has(place.code)
                  ? button({ label: ctx.t("kiosk.equipment.putBack"), icon: "check", dataset: { action: "back" }, "aria-label": ctx.t("kiosk.equipment.putBackNamed", { name: place.name }), onClick: (event) => act(event, () => putBack(ctx, place)) })
                  : button({ label: ctx.t("kiosk.equipment.putOut"), icon: "alert", dataset: { action: "out" }, "aria-label": ctx.t("kiosk.equipment.putOutNamed", { name: place.name }), onClick: (event) => act(event, () => putOutOfService(ctx, place)) }),
            },
          ],
        }),
      );
    }

    // Outages now, the first page of the list (a station has far fewer than a page holds).
    const onData = (page) => {
      const current = itemsOf(page, "/equipment");
      outages = new Map(current.map((outage) => [outage.place_code, outage]));
      // Redrawing would move focus away from a button being used: only when something changed.
      const shown = body.dataset.outages;
      const now = current.map((o) => `${o.place_code}:${o.reason}:${o.until}`).join(" ");
      if (shown !== now || !body.querySelector("table")) {
        body.dataset.outages = now;
        draw();
      }
      replace(status, ctx.t("kiosk.equipment.updated", { time: i18n.formatTime(new Date(), { timeStyle: "medium" }) }));
      status.dataset.stale = "false";
    };
    const refresh = async () => onData(await fetchPage(kioskApi(ctx), "/equipment", { limit: MAX_LIMIT }));
    await refresh();
    livePoll(ctx, kioskApi(ctx).path("/equipment"), {
      interval: REFRESH_MS,
      query: { limit: MAX_LIMIT },
      onData,
      onError: () => {
        status.dataset.stale = "true";
        replace(status, ctx.t("kiosk.equipment.stale"));
      },
    });
  },
};
