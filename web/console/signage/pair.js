// Pairing a screen or a kiosk by the code its page shows (RFC 8628's user code): the operator
// types the code, says what the device is and which screen it serves; the device then receives
// its own tokens. /console/pair?user_code=... (the screen's QR code) lands here with it filled in.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { ApiError } from "../../common/errors.js";
import { button, problemNotice, whileBusy } from "../../common/ui.js";
import { form, panel } from "../kit.js";
import { devicesApi, frame, MESSAGES, signageApi } from "./shared.js";

/** "bcdf ghjk", "BCDFGHJK" -> "BCDF-GHJK": how the screen shows it (the gateway takes any form). */
export function normalizeUserCode(raw) {
  const letters = String(raw ?? "").toUpperCase().replace(/[^A-Z]/g, "");
  return letters.length === 8 ? `${letters.slice(0, 4)}-${letters.slice(4)}` : String(raw ?? "").trim().toUpperCase();
}

async function render(ctx) {
  const devices = devicesApi(ctx);
  const screens = await allItems(signageApi(ctx), "/screens");
  const body = frame(ctx, { title: ctx.t("signage.pair.title"), lead: ctx.t("signage.pair.lead") });
  const outcome = h("div", { id: "pair-outcome", "aria-live": "polite" });
  let replace = false;

  const fields = [
    { name: "user_code", label: ctx.t("signage.pair.userCode"), required: true, hint: ctx.t("signage.pair.userCodeHint"), spellcheck: "false", autocomplete: "one-time-code" },
    { name: "kind", label: ctx.t("signage.pair.kind"), type: "select", required: true, options: ["screen", "kiosk"].map((value) => ({ value, label: ctx.t(`signage.kind.${value}`) })) },
    {
      name: "screen",
      label: ctx.t("signage.pair.screen"),
      type: "select",
      hint: ctx.t("signage.pair.screenHint"),
      emptyLabel: ctx.t("signage.pair.choose"),
      options: screens.map((s) => ({ value: s.code, label: `${s.name} (${s.code})` })),
      errorKeys: ["binding"],
    },
    { name: "kiosk", label: ctx.t("signage.pair.kiosk"), hint: ctx.t("signage.pair.kioskHint"), spellcheck: "false" },
    { name: "label", label: ctx.t("signage.pair.label"), hint: ctx.t("signage.pair.labelHint") },
  ];
  const pairing = form({
    fields,
    values: { user_code: ctx.query.user_code ?? "", kind: "screen", screen: ctx.query.binding ?? "" },
    submitLabel: ctx.t("signage.pair.submit"),
    onSubmit: async (values) => {
      const binding = values.kind === "kiosk" ? values.kiosk : values.screen;
      if (!binding) throw new ApiError({ status: 422, title: ctx.t("signage.pair.bindingMissing"), errors: [{ field: values.kind === "kiosk" ? "kiosk" : "binding", detail: ctx.t("console.required") }] });
      let device;
      try {
        device = await devices.claim({ user_code: normalizeUserCode(values.user_code), kind: values.kind, binding, label: values.label, replace });
      } catch (error) {
        // A screen already served by another device: an offer to replace it, not a failure.
        if (!(error instanceof ApiError) || error.slug !== "device-binding-taken" || replace) throw error;
        replaceRow.querySelector("p").textContent = ctx.t("signage.pair.taken", { client: error.problem.client_id ?? "", binding });
        replaceRow.hidden = false;
        replaceRow.querySelector("button").focus();
        return;
      } finally {
        replace = false;
      }
      replaceRow.hidden = true;
      outcome.replaceChildren(h("div", { class: "notice notice--success", role: "status", dataset: { client: device.client_id } }, h("p", null, ctx.t("signage.pair.done", { client: device.client_id, binding }))));
      ctx.toast(ctx.t("signage.pair.paired"), { tone: "success" });
    },
  });
  // Shown when the binding is taken: replacing unpairs the other device in the same step.
  const replaceRow = h(
    "div",
    { class: "notice notice--warning", id: "pair-replace", hidden: true },
    h("p", { id: "pair-replace-text" }),
    button({
      label: ctx.t("signage.pair.replace"),
      variant: "danger",
      "data-action": "replace",
      onClick: () => {
        replace = true;
        pairing.requestSubmit();
      },
    }),
  );
  pairing.addEventListener(
    "submit",
    () => {
      outcome.replaceChildren();
    },
    { capture: true },
  );
  const kindSelect = pairing.querySelector("select[name=kind]");
  const showBinding = () => {
    const kiosk = kindSelect.value === "kiosk";
    pairing.querySelector("[name=screen]").closest(".field").hidden = kiosk;
    pairing.querySelector("[name=kiosk]").closest(".field").hidden = !kiosk;
  };
  kindSelect.addEventListener("change", showBinding);
  showBinding();
  const refuse = button({
    label: ctx.t("signage.pair.refuse"),
    "data-action": "refuse",
    onClick: async (event) => {
      const control = event.currentTarget; // gone from the event once the confirmation is awaited
      const code = normalizeUserCode(pairing.querySelector("[name=user_code]").value);
      if (!code) return pairing.querySelector("[name=user_code]").focus();
      const ok = await ctx.confirm({ title: ctx.t("signage.pair.refuseTitle", { code }), message: ctx.t("signage.pair.refuseText"), confirmLabel: ctx.t("signage.pair.refuse"), danger: true });
      if (!ok) return;
      try {
        await whileBusy(control, () => devices.deny(code));
        outcome.replaceChildren(h("p", { class: "notice", role: "status" }, ctx.t("signage.pair.refused", { code })));
      } catch (error) {
        outcome.replaceChildren(problemNotice(error));
      }
    },
  });
  body.append(panel({ title: ctx.t("signage.pair.formTitle"), id: "pair" }, pairing, replaceRow, h("div", { class: "cluster" }, refuse), outcome));
}

export default { id: "signage-pair", path: "/signage/pair", title: "signage.pair.title", messages: MESSAGES, render };
