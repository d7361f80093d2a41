// One bank (/lockers/banks/A): availability per size, each compartment's state, taking a
// compartment out of service with a reason and back, the code its screen shows, edit and retire.

import { h, replace } from "../../common/dom.js";
import { ApiError } from "../../common/errors.js";
import { i18n } from "../../common/i18n.js";
import { button, problemTitle, whileBusy } from "../../common/ui.js";
import { dataTable, formDialog, pageHeader, panel, savedToast, when } from "../kit.js";
import { editBank } from "./banks.js";
import { SIZES, compartmentState, loadBanks, lockersApi, tabs } from "./common.js";

async function loadBank(ctx, code) {
  const bank = (await loadBanks(ctx)).find((found) => found.code === code);
  if (!bank) throw new ApiError({ status: 404, title: ctx.t("lockers.unknownBank", { code }) });
  return bank;
}

function availabilityTable(ctx, bank) {
  const sizes = SIZES.filter((size) => bank.availability[size]?.total);
  return dataTable({
    caption: ctx.t("lockers.freeBySize"),
    rows: sizes,
    rowKey: (size) => size,
    columns: [
      { label: ctx.t("lockers.size"), render: (size) => size },
      { label: ctx.t("lockers.free"), numeric: true, render: (size) => i18n.formatNumber(bank.availability[size].free) },
      { label: ctx.t("lockers.total"), numeric: true, render: (size) => i18n.formatNumber(bank.availability[size].total) },
    ],
  });
}

/** Out of service needs a reason; back in service needs only a yes. Both answer the compartment. */
async function changeServiceState(ctx, bank, compartment) {
  const path = `/banks/${bank.id}/compartments/${compartment.label}/service-state`;
  if (compartment.state === "out_of_service") {
    const ok = await ctx.confirm({
      title: ctx.t("lockers.backInServiceTitle", { label: compartment.label }),
      message: ctx.t("lockers.backInServiceText", { reason: compartment.out_of_service_reason ?? "—" }),
      confirmLabel: ctx.t("lockers.backInService"),
    });
    return ok ? lockersApi(ctx).put(path, { in_service: true }) : null;
  }
  return formDialog({
    title: ctx.t("lockers.outOfServiceTitle", { label: compartment.label }),
    fields: [{ name: "reason", label: ctx.t("lockers.reason"), type: "textarea", required: true, hint: ctx.t("lockers.hint.reason") }],
    submitLabel: ctx.t("lockers.takeOut"),
    onSubmit: ({ reason }) => lockersApi(ctx).put(path, { in_service: false, reason }),
  });
}

function compartmentAction(ctx, bank, compartment, refresh) {
  // A reserved or occupied compartment holds a parcel: the service refuses to lock it away, so
  // the page does not offer it (the parcel goes first).
  if (compartment.state === "reserved" || compartment.state === "occupied") return h("span", { class: "muted" }, ctx.t("lockers.parcelInside"));
  const out = compartment.state === "out_of_service";
  return button({
    label: out ? ctx.t("lockers.backInService") : ctx.t("lockers.takeOut"),
    dataset: { action: out ? "in-service" : "out-of-service", compartment: compartment.label },
    "aria-label": `${out ? ctx.t("lockers.backInService") : ctx.t("lockers.takeOut")} ${compartment.label}`,
    onClick: async (event) => {
      try {
        const changed = await whileBusy(event.currentTarget, () => changeServiceState(ctx, bank, compartment));
        if (changed) {
          savedToast(ctx, ctx.t(changed.state === "out_of_service" ? "lockers.nowOut" : "lockers.nowIn", { label: compartment.label }));
          await refresh();
        }
      } catch (error) {
        ctx.toast(problemTitle(error), { tone: "danger" });
        await refresh();
      }
    },
  });
}

function compartmentsTable(ctx, bank, refresh) {
  return dataTable({
    caption: ctx.t("lockers.compartments"),
    className: "compartments",
    rows: bank.compartments,
    rowKey: (compartment) => compartment.label,
    columns: [
      { label: ctx.t("lockers.compartment"), render: (c) => h("span", { class: "mono" }, c.label) },
      { label: ctx.t("lockers.size"), render: (c) => c.size },
      { label: ctx.t("lockers.stateLabel"), render: (c) => h("span", { dataset: { compartmentState: c.state } }, compartmentState(ctx, c), c.out_of_service_reason && h("span", { class: "muted reason" }, " ", c.out_of_service_reason)) },
      { label: ctx.t("lockers.since"), render: (c) => when(c.updated_at) },
      { label: ctx.t("console.actions"), className: "actions", render: (c) => compartmentAction(ctx, bank, c, refresh) },
    ],
  });
}

/** The code the bank's screen shows now: staff read it to a traveller whose screen is broken. */
function presencePanel(ctx, bank) {
  const shown = h("p", { class: "presence", "aria-live": "polite" });
  const show = button({
    label: ctx.t("lockers.showPresence"),
    dataset: { action: "presence" },
    onClick: async (event) => {
      try {
        const code = await whileBusy(event.currentTarget, () => lockersApi(ctx).get(`/banks/${bank.code}/presence-code`));
        replace(shown, h("span", { class: "presence__code mono" }, code.code), " ", h("span", { class: "muted" }, ctx.t("lockers.presenceUntil", { time: i18n.formatTime(code.valid_until, { timeStyle: "medium" }) })));
      } catch (error) {
        replace(shown, problemTitle(error));
      }
    },
  });
  return panel({ title: ctx.t("lockers.presenceTitle"), id: "presence", actions: [show] }, h("p", { class: "muted" }, ctx.t("lockers.presenceLead")), shown);
}

export default {
  id: "lockers-bank",
  path: "/lockers/banks/:code",
  title: "lockers.bankTitle",
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const code = ctx.params.code;
    let bank = await loadBank(ctx, code);
    const header = h("div");
    const body = h("div");

    const edit = button({
      label: ctx.t("console.edit"),
      dataset: { action: "edit-bank" },
      onClick: async () => {
        if (await editBank(ctx, bank)) {
          savedToast(ctx);
          await refresh();
        }
      },
    });
    const retire = button({
      label: ctx.t("lockers.retire"),
      variant: "danger",
      dataset: { action: "retire-bank" },
      onClick: async (event) => {
        const ok = await ctx.confirm({ title: ctx.t("lockers.retireTitle", { code: bank.code }), message: ctx.t("lockers.retireText"), confirmLabel: ctx.t("lockers.retire"), danger: true });
        if (!ok) return;
        try {
          await whileBusy(event.currentTarget, () => lockersApi(ctx).delete(`/banks/${bank.id}`));
          ctx.toast(ctx.t("lockers.retired", { code: bank.code }), { tone: "success" });
          ctx.router.navigate("/lockers");
        } catch (error) {
          ctx.toast(problemTitle(error), { tone: "danger" });
        }
      },
    });

    function draw() {
      replace(
        header,
        pageHeader({
          title: ctx.t("lockers.bankHeading", { code: bank.code, name: bank.name }),
          lead: ctx.t("lockers.bankLead", { location: bank.location, level: bank.level, days: bank.retention_days }),
          actions: [edit, retire],
        }),
      );
      replace(
        body,
        h("div", { class: "lockers-bank" }, panel({ title: ctx.t("lockers.freeBySize"), id: "availability" }, availabilityTable(ctx, bank)), presencePanel(ctx, bank)),
        panel({ title: ctx.t("lockers.compartments"), id: "compartments" }, compartmentsTable(ctx, bank, refresh)),
      );
    }

    async function refresh() {
      bank = await loadBank(ctx, code);
      draw();
    }

    draw();
    ctx.root.append(header, tabs(ctx), body);
  },
};
