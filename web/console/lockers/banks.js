// The station's locker banks: availability per size and compartments out of service at a glance,
// and the forms to register, change and retire a bank (shared with the bank's own page).

import { h } from "../../common/dom.js";
import { button } from "../../common/ui.js";
import { dataTable, formDialog, pageHeader, panel, savedToast } from "../kit.js";
import { SIZES, availabilityLine, loadBanks, lockersApi, tabs } from "./common.js";

function bankFields(ctx, { creating }) {
  const fields = [];
  if (creating) fields.push({ name: "code", label: ctx.t("lockers.field.code"), required: true, pattern: "[A-Z0-9]{1,8}", hint: ctx.t("lockers.hint.code") });
  fields.push(
    { name: "name", label: ctx.t("lockers.field.name"), required: true },
    { name: "location", label: ctx.t("lockers.field.location"), required: true },
  );
  if (creating) fields.push({ name: "level", label: ctx.t("lockers.field.level"), type: "number", min: -10, max: 10, step: 1, hint: ctx.t("lockers.hint.level") });
  fields.push(
    { name: "retention_days", label: ctx.t("lockers.field.retention"), type: "number", required: true, min: 1, max: 30, step: 1 },
    { name: "controller_client_id", label: ctx.t("lockers.field.controller"), hint: ctx.t("lockers.hint.controller") },
  );
  // Compartments are given as a count per size; they are labelled in order (A01, A02...).
  if (creating) {
    for (const size of SIZES) fields.push({ name: `count_${size}`, label: ctx.t("lockers.field.count", { size }), type: "number", min: 0, max: 99, step: 1, errorKeys: size === "S" ? ["compartments"] : [] });
  }
  return fields;
}

function compartmentsFor(code, values) {
  const sizes = SIZES.flatMap((size) => Array.from({ length: values[`count_${size}`] ?? 0 }, () => size));
  return sizes.map((size, index) => ({ label: `${code}${String(index + 1).padStart(2, "0")}`, size }));
}

/** Register a bank; resolves to it, or null when dismissed. */
export function createBank(ctx) {
  return formDialog({
    title: ctx.t("lockers.newBank"),
    wide: true,
    fields: bankFields(ctx, { creating: true }),
    values: { level: 0, retention_days: 3, count_S: 4, count_M: 4, count_L: 2, count_XL: 1 },
    submitLabel: ctx.t("console.create"),
    onSubmit: (values) =>
      lockersApi(ctx).post("/banks", {
        code: values.code,
        name: values.name,
        location: values.location,
        level: values.level,
        retention_days: values.retention_days,
        controller_client_id: values.controller_client_id,
        compartments: compartmentsFor(values.code ?? "", values),
      }),
  });
}

/** Change a bank's name, place, retention or controller; resolves to it, or null when dismissed. */
export function editBank(ctx, bank) {
  return formDialog({
    title: ctx.t("lockers.editBank", { code: bank.code }),
    fields: bankFields(ctx, { creating: false }),
    values: bank,
    onSubmit: (values) => lockersApi(ctx).patch(`/banks/${bank.id}`, values),
  });
}

export default {
  id: "lockers-banks",
  path: "/lockers",
  title: "lockers.title",
  nav: { label: "lockers.nav", icon: "lock", order: 30 },
  messages: new URL("./i18n/", import.meta.url),
  async render(ctx) {
    const banks = await loadBanks(ctx);
    const addBank = button({
      label: ctx.t("lockers.newBank"),
      icon: "plus",
      variant: "primary",
      dataset: { action: "new-bank" },
      onClick: async () => {
        const created = await createBank(ctx);
        if (created) {
          savedToast(ctx);
          ctx.router.navigate(`/lockers/banks/${created.code}`);
        }
      },
    });
    ctx.root.append(
      pageHeader({ title: ctx.t("lockers.title"), lead: ctx.t("lockers.lead"), actions: [addBank] }),
      tabs(ctx),
      panel(
        { title: ctx.t("lockers.banks"), id: "banks" },
        dataTable({
          caption: ctx.t("lockers.banks"),
          rows: banks,
          rowKey: (bank) => bank.code,
          empty: ctx.t("lockers.noBanks"),
          columns: [
            { label: ctx.t("lockers.bank"), render: (bank) => h("a", { href: ctx.router.href(`/lockers/banks/${bank.code}`) }, h("span", { class: "mono" }, bank.code), " · ", bank.name) },
            { label: ctx.t("lockers.field.location"), render: (bank) => bank.location },
            { label: ctx.t("lockers.field.level"), numeric: true, render: (bank) => String(bank.level) },
            { label: ctx.t("lockers.freeBySize"), render: (bank) => availabilityLine(ctx, bank.availability) },
            {
              label: ctx.t("lockers.outOfService"),
              numeric: true,
              render: (bank) => String(bank.compartments.filter((c) => c.state === "out_of_service").length),
            },
          ],
        }),
      ),
    );
  },
};
