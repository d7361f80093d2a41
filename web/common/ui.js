// Components shared by the pages, built with dom.js (no HTML strings): buttons, fields, cards,
// lists, tabs, badges, notices for problems, toasts in live regions, dialogs and confirmations.
// Their looks are in components.css; their texts come from the caller or web/common/i18n/.

import { classNames, h, uid } from "./dom.js";
import { ApiError, NetworkError } from "./errors.js";
import { i18n, t } from "./i18n.js";
import { icon } from "./icons.js";

// -- Buttons ----------------------------------------------------------------------------------------

/**
 * button({label, icon, variant: "primary"|"danger"|"quiet", size: "large", block, onClick, type}),
 * other keys as attributes of the <button>.
 * @param {{ label?: any, icon?: string, variant?: string | null, size?: string, block?: boolean, onClick?: (event: any) => any, type?: string } & Record<string, any>} options
 * @returns {HTMLButtonElement}
 */
export function button({ label, icon: iconName, variant, size, block, onClick, type = "button", ...attributes }) {
  return h(
    "button",
    {
      type,
      class: classNames(["button", variant && `button--${variant}`, size && `button--${size}`, block && "button--block", attributes.class]),
      onClick,
      ...Object.fromEntries(Object.entries(attributes).filter(([key]) => key !== "class")),
    },
    iconName && icon(iconName),
    label && h("span", null, label),
  );
}

/**
 * A round button with only an icon: the label is its accessible name (and tooltip).
 * @param {{ icon: string, label: string, onClick?: (event: any) => any } & Record<string, any>} options
 */
export function iconButton({ icon: iconName, label, onClick, ...attributes }) {
  return h(
    "button",
    { type: "button", class: "button button--quiet button--icon", "aria-label": label, title: label, onClick, ...attributes },
    icon(iconName),
  );
}

/** Run `work` with the button busy (disabled, spinner, aria-busy); returns what work returns. */
export async function whileBusy(control, work) {
  const spinner = h("span", { class: "spinner", "aria-hidden": "true" });
  control.setAttribute("aria-busy", "true");
  control.disabled = true;
  control.prepend(spinner);
  try {
    return await work();
  } finally {
    spinner.remove();
    control.removeAttribute("aria-busy");
    control.disabled = false;
  }
}

// -- Fields -----------------------------------------------------------------------------------------

/**
 * A labelled form control: field({label, hint, error, control}) where control is an <input>,
 * <select> or <textarea>; ids and aria-describedby are wired, aria-invalid follows `error`.
 * Returns the wrapper; wrapper.setError(text | null) changes the error later.
 * @param {{ label: any, hint?: any, error?: string | null, control: HTMLElement }} options
 * @returns {HTMLElement & { setError(text: string | null): void }}
 */
export function field({ label, hint, error, control }) {
  control.id ||= uid("field");
  const hintNode = hint ? h("p", { class: "field__hint", id: uid("hint") }, hint) : null;
  const errorNode = h("p", { class: "field__error", id: uid("error"), hidden: !error }, error ?? "");
  const wrapper = h("div", { class: "field" }, h("label", { class: "field__label", for: control.id }, label), hintNode, control, errorNode);
  wrapper.setError = (text) => {
    errorNode.textContent = text ?? "";
    errorNode.hidden = !text;
    if (text) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
    const described = [hintNode?.id, text ? errorNode.id : null].filter(Boolean).join(" ");
    if (described) control.setAttribute("aria-describedby", described);
    else control.removeAttribute("aria-describedby");
  };
  wrapper.setError(error);
  return wrapper;
}

export function input(attributes = {}) {
  return h("input", { class: "input", type: "text", ...attributes });
}

/**
 * A segmented single choice (radio buttons): choice({legend, name, options: [{value, label, lang}],
 * value, onChange}).
 */
export function choice({ legend, name, options, value, onChange }) {
  return h(
    "fieldset",
    { class: "choice" },
    h("legend", null, legend),
    h(
      "div",
      { class: "segmented" },
      options.map((option) =>
        h(
          "label",
          { lang: option.lang ?? null },
          h("input", {
            type: "radio",
            name,
            value: option.value,
            checked: option.value === value,
            onChange: () => onChange?.(option.value),
          }),
          option.label,
        ),
      ),
    ),
  );
}

// -- Cards, lists, badges ---------------------------------------------------------------------------

/**
 * card({title, href, headingLevel}, ...children): a link card when href is given.
 * @param {{ title?: any, href?: string, headingLevel?: number, className?: string }} [options]
 * @param {...any} children
 */
export function card({ title, href, headingLevel = 2, className } = {}, ...children) {
  const heading = title ? h(`h${headingLevel}`, { class: "card__title" }, title) : null;
  if (href) return h("a", { class: classNames(["card card--link", className]), href }, heading, children);
  return h("section", { class: classNames(["card", className]) }, heading, children);
}

/**
 * list(items, render): a <ul class="list">; render(item) gives the content of each <li>.
 * @param {any[]} items
 * @param {(item: any) => any} render
 * @param {{ label?: string }} [options]
 */
export function list(items, render, { label } = {}) {
  return h("ul", { class: "list", "aria-label": label ?? null }, items.map((item) => h("li", { class: "list__item" }, render(item))));
}

/**
 * badge(text, "success" | "warning" | "danger" | "info")
 * @param {any} text
 * @param {string | null} [tone]
 * @param {{ icon?: string }} [options]
 */
export function badge(text, tone = null, { icon: iconName } = {}) {
  return h("span", { class: classNames(["badge", tone && `badge--${tone}`]) }, iconName && icon(iconName), text);
}

export function loading(label = t("common.loading")) {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), h("span", null, label));
}

/** @param {{ icon?: string, title: any, text?: any, action?: any }} options */
export function emptyState({ icon: iconName = "info", title, text, action }) {
  return h("div", { class: "empty" }, icon(iconName), h("p", { class: "list__title" }, title), text && h("p", null, text), action);
}

// -- Tabs (WAI-ARIA tabs pattern: arrow keys move between tabs, in reading order under RTL) ----------

/**
 * tabs({label, tabs: [{id, label, render: () => Node}], selected, onChange}); the panel of the
 * selected tab is rendered when it is selected.
 */
export function tabs({ label, tabs: items, selected = items[0]?.id, onChange }) {
  const base = uid("tabs");
  const panel = h("div", { class: "tabs__panel", role: "tabpanel", tabindex: "0" });
  const buttons = items.map((item) =>
    h(
      "button",
      {
        type: "button",
        class: "tabs__tab",
        role: "tab",
        id: `${base}-${item.id}`,
        "aria-controls": `${base}-panel`,
        onClick: () => select(item.id, true),
      },
      item.label,
    ),
  );
  panel.id = `${base}-panel`;
  const tablist = h("div", { class: "tabs__list", role: "tablist", "aria-label": label }, buttons);
  tablist.addEventListener("keydown", (event) => {
    const index = buttons.indexOf(document.activeElement);
    if (index === -1) return;
    const rtl = getComputedStyle(tablist).direction === "rtl";
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    let next = null;
    if (step) next = (index + step + buttons.length) % buttons.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = buttons.length - 1;
    if (next === null) return;
    event.preventDefault();
    buttons[next].focus();
    select(items[next].id, true);
  });
  function select(id, byUser = false) {
    items.forEach((item, index) => {
      const on = item.id === id;
      buttons[index].setAttribute("aria-selected", String(on));
      buttons[index].tabIndex = on ? 0 : -1;
      if (on) {
        panel.setAttribute("aria-labelledby", buttons[index].id);
        panel.replaceChildren(item.render());
      }
    });
    if (byUser) onChange?.(id);
  }
  select(selected);
  const root = h("div", { class: "tabs" }, tablist, panel);
  root.select = select;
  return root;
}

// -- Problems ---------------------------------------------------------------------------------------

/** The title that tells a person what happened, in their language, for an error of any kind. */
export function problemTitle(error) {
  if (error instanceof NetworkError) return t(error.offline ? "problem.offline" : error.timeout ? "problem.timeout" : "problem.network");
  if (error instanceof ApiError) {
    const bySlug = error.slug && `problem.${error.slug}`;
    if (bySlug && hasMessage(bySlug)) return t(bySlug);
    const byStatus = `problem.${error.status}`;
    if (hasMessage(byStatus)) return t(byStatus);
    return t(error.status >= 500 ? "problem.server" : "problem.generic");
  }
  return t("problem.generic");
}

function hasMessage(key) {
  return i18n.has(key); // asking is not a miss: t() would warn of a missing message
}

/**
 * A notice for an error: what happened (translated), the API's own detail, the fields in error,
 * the request id to quote, and a retry button when onRetry is given.
 * @param {any} error
 * @param {{ onRetry?: () => any, title?: string }} [options]
 */
export function problemNotice(error, { onRetry, title } = {}) {
  const api = error instanceof ApiError ? error : null;
  const details = [];
  if (api?.detail) details.push(h("p", { lang: "en" }, api.detail));
  if (api?.errors.length) {
    details.push(h("ul", null, api.errors.map((e) => h("li", { lang: "en" }, e.field ? t("problem.field", { field: e.field, detail: e.detail }) : e.detail))));
  }
  if (api?.retryAfter) details.push(h("p", null, t("problem.retryAfter", { count: api.retryAfter })));
  return h(
    "div",
    { class: "notice notice--danger", role: "alert" },
    icon(error instanceof NetworkError ? "offline" : "alert"),
    h(
      "div",
      { class: "notice__body" },
      h("p", { class: "notice__title" }, title ?? problemTitle(error)),
      details,
      api?.requestId && h("p", { class: "notice__reference" }, t("problem.reference"), " ", h("span", { class: "mono ltr" }, api.requestId)),
      onRetry && button({ label: t("common.retry"), icon: "refresh", onClick: onRetry }),
    ),
  );
}

// -- Live regions and toasts ------------------------------------------------------------------------

let regions = null;

/** The page's live regions (polite and assertive), created once; call early so they are announced. */
export function liveRegions() {
  if (regions) return regions;
  const polite = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
  const assertive = h("div", { class: "toasts", role: "alert", "aria-live": "assertive" });
  const quiet = h("div", { class: "visually-hidden", "aria-live": "polite" });
  document.body.append(polite, assertive, quiet);
  regions = { polite, assertive, quiet };
  return regions;
}

/** Tell screen-reader users something that only shows as a change on screen. */
export function announce(message) {
  const { quiet } = liveRegions();
  quiet.textContent = "";
  // A new text node in a second frame, so the same message twice is announced twice.
  requestAnimationFrame(() => {
    quiet.textContent = message;
  });
}

/**
 * toast(message, {tone: "success" | "danger", action: {label, onClick}, timeout}): a short message
 * at the bottom of the screen, read by screen readers; "danger" interrupts (assertive).
 * Returns the function that dismisses it.
 */
export function toast(message, { tone = null, action = null, timeout = 5000 } = {}) {
  const { polite, assertive } = liveRegions();
  const region = tone === "danger" ? assertive : polite;
  const dismiss = () => element.remove();
  const element = h(
    "div",
    { class: classNames(["toast", tone && `toast--${tone}`]) },
    tone && icon(tone === "success" ? "check" : "alert"),
    h("span", null, message),
    action &&
      h("button", {
        type: "button",
        class: "button",
        onClick: () => {
          dismiss();
          action.onClick();
        },
        text: action.label,
      }),
  );
  region.append(element);
  // A toast with an action stays until used or dismissed for longer: people need time to reach it.
  if (timeout) setTimeout(dismiss, action ? Math.max(timeout, 10000) : timeout);
  return dismiss;
}

// -- Dialogs ----------------------------------------------------------------------------------------

/**
 * openDialog({title, body, actions: [{label, value, variant, icon}], sheet, dismissible}) opens a
 * modal <dialog> (the browser traps focus and handles Escape). Returns {dialog, close(value),
 * closed: Promise<value>} where the value is the chosen action's, or null when dismissed.
 * @param {{ title: any, body?: any, actions?: Array<Record<string, any>>, sheet?: boolean, dismissible?: boolean, className?: string | null }} options
 * @returns {{ dialog: HTMLDialogElement, close(value?: any): void, closed: Promise<any> }}
 */
export function openDialog({ title, body, actions = [], sheet = false, dismissible = true, className }) {
  const titleId = uid("dialog-title");
  let resolve;
  const closed = new Promise((r) => {
    resolve = r;
  });
  const dialog = h(
    "dialog",
    { class: classNames(["dialog", sheet && "dialog--sheet", className]), "aria-labelledby": titleId },
    h(
      "form",
      { class: "dialog__form", method: "dialog" },
      h(
        "div",
        { class: "dialog__header" },
        h("h2", { class: "dialog__title", id: titleId }, title),
        dismissible && iconButton({ icon: "close", label: t("common.close"), onClick: () => close(null) }),
      ),
      h("div", { class: "dialog__body" }, body),
      actions.length > 0 &&
        h(
          "div",
          { class: "dialog__actions" },
          actions.map((action) =>
            button({
              label: action.label,
              icon: action.icon,
              variant: action.variant,
              type: "button",
              "data-value": String(action.value),
              onClick: () => close(action.value),
            }),
          ),
        ),
    ),
  );
  function close(value) {
    if (!dialog.isConnected) return;
    dialog.close();
    dialog.remove();
    resolve(value);
  }
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (dismissible) close(null);
  });
  const opener = document.activeElement;
  closed.then(() => opener instanceof HTMLElement && opener.isConnected && opener.focus());
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close, closed };
}

/** confirmDialog({title, message, confirmLabel, danger}) -> Promise<boolean>. */
export function confirmDialog({ title, message, confirmLabel = t("common.confirm"), cancelLabel = t("common.cancel"), danger = false }) {
  const { closed } = openDialog({
    title,
    body: h("p", null, message),
    actions: [
      { label: cancelLabel, value: false },
      { label: confirmLabel, value: true, variant: danger ? "danger" : "primary" },
    ],
  });
  return closed.then((value) => value === true);
}
