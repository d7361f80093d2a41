// Exhibitions visiting the station: the visits the network's culture team plans here (current and
// coming, from the hub's config), each to accept — on every screen, or on some — or decline. An
// accepted visit plays its works, within their rights, in the screens' content rotation by the
// station's schedules; the hub is told the answer.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { i18n } from "../../common/i18n.js";
import { button } from "../../common/ui.js";
import { dataTable, formDialog, localized, panel, stateBadge } from "../kit.js";
import { drawInto, frame, MESSAGES, signageApi, targetFields, targetsFrom, targetsText, targetValues } from "./shared.js";

const ANSWERS = ["pending", "accepted", "declined"];
const ANSWER_STATES = { pending: "stale", accepted: "active", declined: "offline" };

const visitPath = (visit) => `/visits/${encodeURIComponent(visit.exhibition)}/${encodeURIComponent(visit.code)}/answer`;

function dates(visit) {
  return `${i18n.formatDate(visit.starts_at, { dateStyle: "medium" })} → ${i18n.formatDate(visit.ends_at, { dateStyle: "medium" })}`;
}

async function accept(ctx, api, visit, screens, redraw) {
  const answered = await formDialog({
    title: ctx.t("signage.visits.acceptTitle", { title: localized(visit.title) }),
    fields: targetFields(ctx, screens),
    values: targetValues(visit.targets),
    extra: h("p", { class: "muted" }, ctx.t("signage.visits.acceptHint")),
    submitLabel: ctx.t("signage.visits.accept"),
    onSubmit: (values) => api.post(visitPath(visit), { answer: "accepted", targets: targetsFrom(values) }),
  });
  if (!answered) return;
  ctx.toast(ctx.t("signage.visits.accepted"), { tone: "success" });
  await redraw();
}

async function decline(ctx, api, visit, redraw) {
  const ok = await ctx.confirm({
    title: ctx.t("signage.visits.declineTitle"),
    message: ctx.t("signage.visits.declineText", { title: localized(visit.title), dates: dates(visit) }),
    confirmLabel: ctx.t("signage.visits.decline"),
    danger: true,
  });
  if (!ok) return;
  await api.post(visitPath(visit), { answer: "declined" });
  ctx.toast(ctx.t("signage.visits.declined"), { tone: "success" });
  await redraw();
}

function table(ctx, api, visits, screens, redraw) {
  return dataTable({
    caption: ctx.t("signage.visits.title"),
    rows: visits,
    rowKey: (v) => `${v.exhibition}/${v.code}`,
    empty: ctx.t("signage.visits.none"),
    columns: [
      {
        label: ctx.t("signage.visits.exhibition"),
        render: (v) => [h("strong", null, localized(v.title)), h("br"), h("span", { class: "muted" }, ctx.t("signage.visits.works", { count: v.works, artists: v.artists.join(", ") }))],
      },
      { label: ctx.t("signage.visits.dates"), render: (v) => [dates(v), " ", stateBadge(v.phase === "current" ? "active" : "stale", ctx.t(`signage.visits.phase.${v.phase}`))] },
      {
        label: ctx.t("signage.visits.answer"),
        render: (v) => [
          stateBadge(v.playable ? ANSWER_STATES[v.answer] : "offline", ctx.t(v.playable ? `signage.visits.answer.${v.answer}` : "signage.visits.withdrawn")),
          v.answer === "accepted" && v.playable ? [" ", h("span", { class: "muted" }, targetsText(ctx, v.targets))] : null,
        ],
      },
      {
        label: ctx.t("signage.visits.actions"),
        render: (v) =>
          v.playable
            ? h(
                "div",
                { class: "cluster", dataset: { visit: `${v.exhibition}/${v.code}` } },
                button({ label: ctx.t(v.answer === "accepted" ? "signage.visits.screens" : "signage.visits.accept"), variant: "primary", size: "small", "data-action": "accept", onClick: () => accept(ctx, api, v, screens, redraw) }),
                v.answer !== "declined" && button({ label: ctx.t("signage.visits.decline"), size: "small", "data-action": "decline", onClick: () => decline(ctx, api, v, redraw) }),
              )
            : null,
      },
    ],
  });
}

async function render(ctx) {
  const api = signageApi(ctx);
  const answer = ANSWERS.includes(ctx.query.answer) ? ctx.query.answer : "";
  const body = frame(ctx, { title: ctx.t("signage.visits.title"), lead: ctx.t("signage.visits.lead") });
  const filter = h(
    "select",
    { class: "select", id: "visits-answer", "aria-label": ctx.t("signage.visits.answer"), onChange: (event) => ctx.router.navigate("/signage/visits", { answer: event.target.value || null }) },
    h("option", { value: "" }, ctx.t("signage.visits.allAnswers")),
    ANSWERS.map((value) => h("option", { value, selected: value === answer }, ctx.t(`signage.visits.answer.${value}`))),
  );
  const list = h("div", { id: "visits" });
  const screens = await allItems(api, "/screens");
  const redraw = drawInto(ctx, list, async () => {
    const visits = await allItems(api, "/visits", { query: { answer: answer || undefined } });
    return table(ctx, api, visits, screens, redraw);
  });
  body.append(panel({ title: ctx.t("signage.visits.list"), actions: [filter], id: "visits-panel" }, list));
  await redraw();
}

export default { id: "signage-visits", path: "/signage/visits", title: "signage.visits.title", messages: MESSAGES, render };
