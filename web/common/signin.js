// Sign-in forms every page reuses: by phone one-time code (travellers) and by password (staff),
// and the dialog that signs a person in again over the current view when their sign-in has ended.

import { normalizePhoneNumber } from "./auth.js";
import { h } from "./dom.js";
import { ApiError } from "./errors.js";
import { t } from "./i18n.js";
import { field, openDialog, problemNotice, whileBusy } from "./ui.js";

const RESEND_AFTER_SECONDS = 30;

/** "+33612345678" -> "+33 6 •• •• •• 78": enough to recognise one's number on a shared screen. */
export function maskPhoneNumber(number) {
  const match = /^\+33(\d)(\d{6})(\d{2})$/.exec(number);
  if (match) return `+33 ${match[1]} •• •• •• ${match[3]}`;
  return number.length > 6 ? `${number.slice(0, 4)}${"•".repeat(number.length - 6)}${number.slice(-2)}` : number;
}

function problemSlot() {
  const slot = h("div", { class: "signin__problem" });
  slot.show = (error) => slot.replaceChildren(error ? problemNotice(error) : "");
  return slot;
}

/**
 * The two steps of signing in by SMS code: phone number, then the code. onSignedIn(claims) runs
 * once signed in. The element has data-step="phone" | "code".
 */
export function phoneSignIn({ session, onSignedIn, phoneNumber = "" }) {
  const root = h("div", { class: "signin stack", dataset: { step: "phone" } });
  let number = phoneNumber;
  let webOtp = null;

  function phoneStep() {
    root.dataset.step = "phone";
    webOtp?.abort();
    const phone = h("input", {
      class: "input ltr",
      type: "tel",
      name: "phone",
      autocomplete: "tel",
      inputmode: "tel",
      required: true,
      value: number,
      placeholder: "06 12 34 56 78",
    });
    const phoneField = field({ label: t("signin.phoneLabel"), hint: t("signin.phoneHint"), control: phone });
    const problem = problemSlot();
    const submit = h("button", { type: "submit", class: "button button--primary button--block", dataset: { action: "send-code" } }, t("signin.sendCode"));
    const form = h("form", { class: "stack", novalidate: true }, phoneField, problem, submit);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      problem.show(null);
      const normalized = normalizePhoneNumber(phone.value);
      if (!normalized) {
        phoneField.setError(t("signin.phoneInvalid"));
        phone.focus();
        return;
      }
      phoneField.setError(null);
      try {
        await whileBusy(submit, () => session.requestPhoneCode(normalized));
        number = normalized;
        codeStep();
      } catch (error) {
        if (error instanceof ApiError && error.status === 422) phoneField.setError(t("signin.phoneInvalid"));
        else problem.show(error);
      }
    });
    root.replaceChildren(form);
    return phone;
  }

  function codeStep() {
    root.dataset.step = "code";
    const code = h("input", {
      class: "input input--code",
      type: "text",
      name: "code",
      autocomplete: "one-time-code",
      inputmode: "numeric",
      pattern: "[0-9]*",
      maxlength: "6",
      required: true,
    });
    const codeField = field({ label: t("signin.codeLabel"), hint: t("signin.codeHint"), control: code });
    const problem = problemSlot();
    const submit = h("button", { type: "submit", class: "button button--primary button--block", dataset: { action: "verify-code" } }, t("signin.signIn"));
    const resend = h("button", { type: "button", class: "button button--quiet", dataset: { action: "resend" }, disabled: true });
    const change = h("button", { type: "button", class: "button button--quiet", dataset: { action: "change-number" }, onClick: () => phoneStep().focus() }, t("signin.changeNumber"));
    let remaining = RESEND_AFTER_SECONDS;
    const tick = () => {
      resend.disabled = remaining > 0;
      resend.textContent = remaining > 0 ? t("signin.resendIn", { count: remaining }) : t("signin.resend");
      remaining -= 1;
      if (remaining >= 0 && root.isConnected) setTimeout(tick, 1000);
    };
    tick();
    resend.addEventListener("click", async () => {
      problem.show(null);
      try {
        await whileBusy(resend, () => session.requestPhoneCode(number));
        remaining = RESEND_AFTER_SECONDS;
        tick();
        codeField.setError(null);
      } catch (error) {
        problem.show(error);
      }
    });
    const form = h(
      "form",
      { class: "stack", novalidate: true },
      h("p", { role: "status" }, t("signin.codeSent"), " ", h("strong", { class: "ltr" }, maskPhoneNumber(number))),
      codeField,
      problem,
      submit,
      h("div", { class: "cluster" }, resend, change),
    );
    const verify = async () => {
      problem.show(null);
      if (!/^\d{4,8}$/.test(code.value.trim())) {
        codeField.setError(t("signin.codeInvalid"));
        code.focus();
        return;
      }
      try {
        const claims = await whileBusy(submit, () => session.signInWithPhoneCode(number, code.value));
        webOtp?.abort();
        onSignedIn?.(claims);
      } catch (error) {
        if (error instanceof ApiError && error.oauthError === "invalid_grant") {
          codeField.setError(t("signin.codeRejected"));
          code.select();
        } else {
          problem.show(error);
        }
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      verify();
    });
    root.replaceChildren(form);
    code.focus();
    // WebOTP: on phones that support it, the code from the SMS fills in by itself.
    if ("OTPCredential" in window) {
      webOtp = new AbortController();
      // The WebOTP API is not in TypeScript's DOM types yet.
      navigator.credentials
        .get(/** @type {CredentialRequestOptions} */ ({ otp: { transport: ["sms"] }, signal: webOtp.signal }))
        .then((/** @type {any} */ otp) => {
          if (otp?.code && root.isConnected) {
            code.value = otp.code;
            verify();
          }
        })
        .catch(() => {});
    }
  }

  phoneStep();
  return root;
}

/** Username and password (operators, couriers, admins). onSignedIn(claims) once signed in. */
export function passwordSignIn({ session, onSignedIn, username = "" }) {
  const user = h("input", { class: "input", name: "username", autocomplete: "username", required: true, value: username, autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { class: "input", type: "password", name: "password", autocomplete: "current-password", required: true });
  const userField = field({ label: t("signin.usernameLabel"), control: user });
  const passwordField = field({ label: t("signin.passwordLabel"), control: password });
  const problem = problemSlot();
  const submit = h("button", { type: "submit", class: "button button--primary button--block", dataset: { action: "sign-in" } }, t("signin.signIn"));
  const form = h("form", { class: "signin stack", novalidate: true }, userField, passwordField, problem, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.show(null);
    passwordField.setError(null);
    if (!user.value.trim() || !password.value) {
      (user.value.trim() ? passwordField : userField).setError(t("signin.required"));
      return;
    }
    try {
      const claims = await whileBusy(submit, () => session.signInWithPassword(user.value.trim(), password.value));
      password.value = "";
      onSignedIn?.(claims);
    } catch (error) {
      if (error instanceof ApiError && error.oauthError === "invalid_grant") {
        passwordField.setError(t("signin.passwordRejected"));
        password.select();
      } else {
        problem.show(error);
      }
    }
  });
  return form;
}

/**
 * When a sign-in ends in the middle of something (the refresh token expired or was revoked), a
 * dialog signs the person in again over the current view; the calls that were waiting go on.
 * kind: "phone" (travellers) or "password" (staff).
 */
export function installReauthDialog(session, { kind = "phone" } = {}) {
  let last = session.claims;
  session.addEventListener("change", () => {
    if (session.claims) last = session.claims;
  });
  session.onReauthenticate(() => {
    let done;
    const finished = () => done?.(true);
    const form =
      kind === "password"
        ? passwordSignIn({ session, onSignedIn: finished, username: String(last?.sub ?? "").split(":").slice(1).join(":") })
        : phoneSignIn({ session, onSignedIn: finished, phoneNumber: last?.phone_number ?? "" });
    const { close, closed } = openDialog({
      title: t("signin.againTitle"),
      body: h("div", { class: "stack" }, h("p", null, t("signin.againText")), form),
      className: "reauth-dialog",
    });
    done = close;
    return closed.then((value) => value === true);
  });
}
