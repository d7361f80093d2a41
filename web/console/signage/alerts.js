// Emergency messages: raise one (severity, texts by language, every screen or some, an optional
// end) after a confirmation that says how many screens it reaches; follow the active ones with the
// screens that show them (their players acknowledge); clear them; the recently cleared below.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { autonym } from "../../common/i18n.js";
import { button } from "../../common/ui.js";
import { dataTable, form, localized, panel, stateBadge, stationTimeToIso, when } from "../kit.js";
import { drawInto, frame, MESSAGES, signageApi, targetFields, targetsFrom, targetsText } from "./shared.js";

const SEVERITIES = ["emergency", "warning", "info"];
const LANGUAGES = ["fr", "en", "es", "de"];
const REQUIRED_LANGUAGES = ["fr", "en"];
const REFRESH_MS = 4000;
const RECENT = 10;

/** The severity as a badge: emergencies in red, warnings in amber. */
export const severityBadge = (ctx, severity) => stateBadge(severity === "emergency" ? "error" : severity === "warning" ? "stale" : "active", ctx.t(`signage.severity.${severity}`));

function raiseForm(ctx, api, onRaised) {
  const fields = [
    { name: "severity", label: ctx.t("signage.alert.severity"), type: "select", required: true, options: SEVERITIES.map((value) => ({ value, label: ctx.t(`signage.severity.${value}`) })) },
    ...LANGUAGES.map((lang) => ({ name: `text_${lang}`, label: ctx.t("signage.alert.textIn", { language: autonym(lang) }), type: "textarea", rows: 2, lang, required: REQUIRED_LANGUAGES.includes(lang), errorKeys: [lang] })),
    { name: "reach", label: ctx.t("signage.alert.reach"), type: "select", required: true, options: ["all", "some"].map((value) => ({ value, label: ctx.t(`signage.alert.reach.${value}`) })) },
    ...targetFields(ctx, []),
    { name: "expires_at", label: ctx.t("signage.alert.expires"), type: "datetime-local", hint: ctx.t("signage.alert.expiresHint") },
  ];
  const root = form({
    fields,
    values: { severity: "emergency", reach: "all" },
    submitLabel: ctx.t("signage.alert.raise"),
    onSubmit: async (values) => {
      const targets = values.reach === "all" ? { screens: [], zones: [], tags: [] } : targetsFrom(values);
      // The service says which screens these targets reach: the same rule as the alert's.
      const { screens: reached } = await api.post("/alerts/reach", targets);
      const ok = await ctx.confirm({
        title: ctx.t("signage.alert.confirmTitle"),
        message: ctx.t("signage.alert.confirmText", { count: reached.length, screens: reached.join(", ") || "—", text: values.text_fr }),
        confirmLabel: ctx.t("signage.alert.confirmRaise", { count: reached.length }),
        danger: true,
      });
      if (!ok) return;
      const texts = Object.fromEntries(LANGUAGES.filter((lang) => values[`text_${lang}`]).map((lang) => [lang, values[`text_${lang}`]]));
      const alert = await api.post("/alerts", { severity: values.severity, texts, targets, expires_at: values.expires_at ? stationTimeToIso(values.expires_at) : null });
      for (const lang of LANGUAGES) root.querySelector(`[name=text_${lang}]`).value = "";
      ctx.toast(ctx.t("signage.alert.raised", { count: alert.screens.length }), { tone: "success" });
      onRaised(alert);
    },
  });
  root.dataset.form = "alert";
  // The station's screens to pick from are filled in once read; "every screen" hides the targets.
  const targetNodes = ["target_screens", "target_zones", "target_tags"].map((name) => root.querySelector(`[name=${name}], [data-name=${name}]`).closest(".field"));
  const reach = root.querySelector("[name=reach]");
  const showTargets = () => {
    for (const node of targetNodes) node.hidden = reach.value === "all";
  };
  reach.addEventListener("change", showTargets);
  showTargets();
  allItems(api, "/screens").then((all) => {
    const picker = root.querySelector("fieldset[data-name=target_screens]");
    const legend = picker.querySelector("legend");
    picker.replaceChildren(legend, ...all.map((s) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "target_screens", value: s.code }), `${s.name} (${s.code})`)));
  });
  return root;
}

function activeList(ctx, api, alerts) {
  if (!alerts.length) return h("p", { class: "empty-line muted", id: "no-active-alerts" }, ctx.t("signage.alert.noneActive"));
  return h(
    "ul",
    { class: "signage-alerts" },
    alerts.map((alert) => {
      const acked = Object.entries(alert.acknowledged);
      return h(
        "li",
        { class: `signage-alert signage-alert--${alert.severity}`, dataset: { alert: alert.id, waiting: alert.not_acknowledged.length } },
        h("p", { class: "signage-alert__text" }, severityBadge(ctx, alert.severity), " ", h("span", { lang: alert.texts[ctx.i18n.locale] ? ctx.i18n.locale : Object.keys(alert.texts)[0] }, localized(alert.texts))),
        h("p", { class: "muted" }, ctx.t("signage.alert.raisedAt"), " ", when(alert.raised_at), alert.expires_at && [" · ", ctx.t("signage.alert.until"), " ", when(alert.expires_at)], " · ", targetsText(ctx, alert.targets)),
        h(
          "p",
          { class: "signage-alert__acks" },
          ctx.t("signage.alert.acked", { count: acked.length, total: alert.screens.length }),
          " ",
          acked.map(([code, at], index) => [index ? ", " : "", h("span", { class: "mono", dataset: { acked: code } }, code), " (", when(at), ")"]),
          alert.not_acknowledged.length > 0 && [" · ", ctx.t("signage.alert.waiting", { screens: alert.not_acknowledged.join(", ") })],
        ),
        button({
          label: ctx.t("signage.alert.clear"),
          variant: "danger",
          "data-action": "clear",
          onClick: async () => {
            const ok = await ctx.confirm({ title: ctx.t("signage.alert.clearTitle"), message: ctx.t("signage.alert.clearText", { text: localized(alert.texts) }), confirmLabel: ctx.t("signage.alert.clear"), danger: true });
            if (!ok) return;
            await api.post(`/alerts/${alert.id}/clear`);
            ctx.toast(ctx.t("signage.alert.cleared"), { tone: "success" });
            ctx.root.dispatchEvent(new CustomEvent("alerts-changed"));
          },
        }),
      );
    }),
  );
}

function recentTable(ctx, alerts) {
  return dataTable({
    caption: ctx.t("signage.alert.recent"),
    rows: alerts,
    empty: ctx.t("signage.alert.noneRecent"),
    columns: [
      { label: ctx.t("signage.alert.message"), render: (a) => localized(a.texts) },
      { label: ctx.t("signage.alert.severity"), render: (a) => severityBadge(ctx, a.severity) },
      { label: ctx.t("signage.alert.raisedAt"), render: (a) => when(a.raised_at) },
      { label: ctx.t("signage.alert.clearedAt"), render: (a) => when(a.cleared_at) },
      { label: ctx.t("signage.schedule.targets"), render: (a) => targetsText(ctx, a.targets) },
    ],
  });
}

async function render(ctx) {
  const api = signageApi(ctx);
  const body = frame(ctx, { title: ctx.t("signage.alerts.title"), lead: ctx.t("signage.alerts.lead") });
  const active = h("div", { id: "active-alerts" });
  const recent = h("div", { id: "recent-alerts" });
  let shown = "";
  // Redrawn only when something changed, so that a keyboard user's focus stays put between reads.
  const redraw = drawInto(ctx, active, async () => {
    // Newest first, whatever order the list is paged in.
    const alerts = (await allItems(api, "/alerts")).sort((a, b) => Date.parse(b.raised_at) - Date.parse(a.raised_at));
    const current = await Promise.all(alerts.filter((a) => !a.cleared_at).map((a) => api.get(`/alerts/${a.id}`)));
    const state = JSON.stringify([current, alerts.slice(0, RECENT)]);
    if (state === shown && active.childElementCount) return [...active.childNodes];
    shown = state;
    recent.replaceChildren(recentTable(ctx, alerts.filter((a) => a.cleared_at).slice(0, RECENT)));
    return activeList(ctx, api, current);
  });
  ctx.root.addEventListener("alerts-changed", redraw);
  body.append(
    panel({ title: ctx.t("signage.alert.raiseTitle"), id: "raise" }, raiseForm(ctx, api, redraw)),
    panel({ title: ctx.t("signage.alert.active"), id: "active" }, active),
    panel({ title: ctx.t("signage.alert.recent"), id: "recent" }, recent),
  );
  await redraw();
  const timer = setInterval(redraw, REFRESH_MS);
  ctx.signal.addEventListener("abort", () => clearInterval(timer));
}

export default { id: "signage-alerts", path: "/signage/alerts", title: "signage.alerts.title", messages: MESSAGES, render };
