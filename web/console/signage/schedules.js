// Schedules: which playlist plays when, on which screens. A week view (Monday to Sunday, the
// station's Europe/Paris wall-clock times, as the service reads them) shows each time window as a
// block; a window that ends at or before it starts runs past midnight into the next day.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button } from "../../common/ui.js";
import { dataTable, formDialog, panel, savedToast } from "../kit.js";
import { drawInto, frame, layoutField, MESSAGES, signageApi, targetFields, targetsFrom, targetsText, targetValues } from "./shared.js";

const DAYS = [0, 1, 2, 3, 4, 5, 6];
const TONES = 6;

const minutes = (hhmm) => {
  const [hours, mins] = hhmm.split(":").map(Number);
  return hours * 60 + mins;
};

/**
 * The blocks of a schedule in the week: [{day, from, to}] in minutes of that day. Same start and
 * end is the whole day; an end at or before the start goes on into the next day (Sunday's into
 * Monday's column, as the week repeats).
 */
export function weekBlocks(schedule) {
  const start = minutes(schedule.start_time);
  const end = minutes(schedule.end_time);
  return schedule.weekdays.flatMap((day) => {
    if (start === end) return [{ day, from: 0, to: 1440 }];
    if (end > start) return [{ day, from: start, to: end }];
    return [
      { day, from: start, to: 1440, continues: true },
      { day: (day + 1) % 7, from: 0, to: end, continued: true },
    ];
  });
}

/** Side by side when they overlap: each block of a day gets a lane and the day's number of lanes. */
function laneOut(blocks) {
  const ends = [];
  const placed = [...blocks].sort((a, b) => a.from - b.from).map((block) => {
    let lane = ends.findIndex((end) => end <= block.from);
    if (lane === -1) lane = ends.length;
    ends[lane] = block.to;
    return { ...block, lane };
  });
  return placed.map((block) => ({ ...block, lanes: ends.length }));
}

function dayName(ctx, day) {
  return ctx.t(`signage.day.${day}`);
}

function weekView(ctx, schedules, playlistName, onOpen) {
  const hours = [0, 3, 6, 9, 12, 15, 18, 21];
  const blocks = schedules.flatMap((schedule, index) => weekBlocks(schedule).map((block) => ({ ...block, schedule, tone: index % TONES })));
  return h(
    "div",
    { class: "week", id: "week-view" },
    h("div", { class: "week__scale", "aria-hidden": "true" }, hours.map((hour) => h("span", { style: { top: `${(hour / 24) * 100}%` } }, `${String(hour).padStart(2, "0")}:00`))),
    DAYS.map((day) =>
      h(
        "section",
        { class: "week__day", "aria-labelledby": `week-day-${day}`, dataset: { day } },
        h("h3", { class: "week__title", id: `week-day-${day}` }, dayName(ctx, day)),
        h(
          "ul",
          { class: "week__column" },
          hours.map((hour) => h("li", { class: "week__line", "aria-hidden": "true", style: { top: `${(hour / 24) * 100}%` } })),
          laneOut(blocks.filter((block) => block.day === day)).map((block) => {
            const from = block.continued ? "00:00" : block.schedule.start_time;
            const to = block.continues ? "24:00" : block.to === 1440 && block.from === 0 ? "24:00" : block.schedule.end_time;
            return h(
              "li",
              {
                class: `week__block week__block--${block.tone}`,
                style: {
                  top: `${(block.from / 1440) * 100}%`,
                  height: `${((block.to - block.from) / 1440) * 100}%`,
                  "inset-inline-start": `calc(${(block.lane / block.lanes) * 100}% + 3px)`,
                  width: `calc(${100 / block.lanes}% - 6px)`,
                },
                dataset: { schedule: block.schedule.code },
              },
              h(
                "button",
                { type: "button", class: "week__button", onClick: () => onOpen(block.schedule), title: `${block.schedule.name} · ${playlistName[block.schedule.playlist_id] ?? ""}` },
                h("span", { class: "week__time" }, `${from}–${to}`),
                " ",
                h("span", { class: "week__name" }, block.schedule.name),
                h("span", { class: "visually-hidden" }, ` · ${playlistName[block.schedule.playlist_id] ?? ""} · ${ctx.t("signage.schedule.priorityShort", { priority: block.schedule.priority })}`),
              ),
            );
          }),
        ),
      ),
    ),
  );
}

function scheduleFields(ctx, playlists, screens, { withCode, layouts = [] }) {
  return [
    withCode && { name: "code", label: ctx.t("signage.schedule.code"), required: true, hint: ctx.t("signage.codeHint"), spellcheck: "false" },
    { name: "name", label: ctx.t("signage.schedule.name"), required: true },
    { name: "playlist_id", label: ctx.t("signage.schedule.playlist"), type: "select", required: true, options: playlists.map((p) => ({ value: p.id, label: `${p.name} (${p.code})` })) },
    { name: "weekdays", label: ctx.t("signage.schedule.weekdays"), type: "multiselect", options: DAYS.map((day) => ({ value: String(day), label: dayName(ctx, day) })) },
    { name: "start_time", label: ctx.t("signage.schedule.start"), type: "time", required: true, hint: ctx.t("signage.schedule.timeHint") },
    { name: "end_time", label: ctx.t("signage.schedule.end"), type: "time", required: true, hint: ctx.t("signage.schedule.endHint") },
    { name: "priority", label: ctx.t("signage.schedule.priority"), type: "number", min: 0, max: 1000, hint: ctx.t("signage.schedule.priorityHint") },
    { name: "starts_on", label: ctx.t("signage.schedule.startsOn"), type: "date" },
    { name: "ends_on", label: ctx.t("signage.schedule.endsOn"), type: "date" },
    ...targetFields(ctx, screens),
    layoutField(ctx, layouts, "signage.schedule.layoutHint"),
  ].filter(Boolean);
}

const scheduleBody = (values) => {
  const { target_screens, target_zones, target_tags, ...rest } = values;
  return { ...rest, priority: values.priority ?? 100, weekdays: (values.weekdays ?? []).map(Number), targets: targetsFrom(values) };
};

async function render(ctx) {
  const api = signageApi(ctx);
  let playlists = [];
  let screens = [];
  let layouts = [];
  const week = h("div");
  const list = h("div");
  let redraw = null;

  async function open(schedule) {
    const saved = await formDialog({
      title: schedule ? ctx.t("signage.schedule.edit", { name: schedule.name }) : ctx.t("signage.schedule.create"),
      fields: scheduleFields(ctx, playlists, screens, { withCode: !schedule, layouts }),
      values: schedule ? { ...schedule, weekdays: schedule.weekdays.map(String), ...targetValues(schedule.targets) } : { weekdays: DAYS.map(String), start_time: "09:00", end_time: "21:00", priority: 100 },
      submitLabel: schedule ? ctx.t("console.save") : ctx.t("console.create"),
      wide: true,
      onSubmit: (values) => (schedule ? api.put(`/schedules/${encodeURIComponent(schedule.code)}`, scheduleBody(values)) : api.post("/schedules", scheduleBody(values))),
    });
    if (saved) {
      savedToast(ctx);
      redraw();
    }
  }

  async function remove(schedule) {
    const ok = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: schedule.name }), message: ctx.t("signage.schedule.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
    if (!ok) return;
    await api.delete(`/schedules/${encodeURIComponent(schedule.code)}`);
    ctx.toast(ctx.t("console.deleted"), { tone: "success" });
    redraw();
  }

  const body = frame(ctx, {
    title: ctx.t("signage.schedules.title"),
    lead: ctx.t("signage.schedules.lead"),
    actions: [button({ label: ctx.t("signage.schedule.create"), icon: "plus", variant: "primary", "data-action": "create-schedule", onClick: () => open(null) })],
  });
  body.append(panel({ title: ctx.t("signage.schedules.week"), id: "week" }, week), panel({ title: ctx.t("signage.schedules.list"), id: "schedules" }, list));
  const drawWeek = drawInto(ctx, week, async () => {
    const [schedules, lists, all, shapes] = await Promise.all([allItems(api, "/schedules"), allItems(api, "/playlists"), allItems(api, "/screens"), allItems(api, "/layouts")]);
    playlists = lists;
    screens = all;
    layouts = shapes;
    const playlistName = Object.fromEntries(playlists.map((p) => [p.id, p.name]));
    list.replaceChildren(
      dataTable({
        caption: ctx.t("signage.schedules.list"),
        rows: schedules,
        rowKey: (s) => s.code,
        empty: ctx.t("signage.schedules.none"),
        columns: [
          { label: ctx.t("signage.schedule.name"), render: (s) => [s.name, " ", h("span", { class: "mono muted" }, s.code)] },
          { label: ctx.t("signage.schedule.playlist"), render: (s) => playlistName[s.playlist_id] ?? "—" },
          { label: ctx.t("signage.schedule.when"), render: (s) => `${s.weekdays.length === 7 ? ctx.t("signage.schedule.everyDay") : s.weekdays.map((d) => dayName(ctx, d)).join(", ")} · ${s.start_time}–${s.end_time}` },
          { label: ctx.t("signage.schedule.dates"), render: (s) => (s.starts_on || s.ends_on ? `${s.starts_on ?? "…"} → ${s.ends_on ?? "…"}` : "—") },
          { label: ctx.t("signage.schedule.priority"), render: (s) => String(s.priority), numeric: true },
          { label: ctx.t("signage.schedule.targets"), render: (s) => targetsText(ctx, s.targets) },
          {
            label: ctx.t("console.actions"),
            render: (s) =>
              h(
                "div",
                { class: "cluster" },
                button({ label: ctx.t("console.edit"), "data-action": "edit", "aria-label": ctx.t("signage.schedule.editNamed", { name: s.name }), onClick: () => open(s) }),
                button({ label: ctx.t("console.delete"), variant: "danger", "data-action": "delete", "aria-label": ctx.t("signage.schedule.deleteNamed", { name: s.name }), onClick: () => remove(s) }),
              ),
          },
        ],
      }),
    );
    return weekView(ctx, schedules, playlistName, open);
  });
  redraw = drawWeek;
  await redraw();
}

export default { id: "signage-schedules", path: "/signage/schedules", title: "signage.schedules.title", messages: MESSAGES, render };
