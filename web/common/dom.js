// Safe DOM building: elements from tag names, attributes and children; text is always text.
// Data never goes through innerHTML: a name with "<script>" in it shows as those characters.

const SVG_NS = "http://www.w3.org/2000/svg";
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "poster", "xlink:href", "cite"]);
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:", "blob:"]);
// Set as properties: the attribute only holds the initial value.
const PROPERTIES = new Set(["value", "checked", "selected", "indeterminate", "defaultValue"]);

/** The URL if it is a web, mail, phone or blob address (relative ones resolve against the page); else "#". */
export function safeUrl(value, { allowDataImages = false } = {}) {
  const text = String(value ?? "");
  if (allowDataImages && /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=]+$/i.test(text)) return text;
  try {
    const url = new URL(text, document.baseURI);
    return SAFE_PROTOCOLS.has(url.protocol) ? text : "#";
  } catch {
    return "#";
  }
}

function setProps(element, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "innerHTML" || key === "outerHTML" || key === "srcdoc") {
      throw new TypeError(`h(): ${key} is not allowed; pass children instead`);
    }
    if (key === "class" || key === "className") {
      element.setAttribute("class", classNames(value));
    } else if (key === "text") {
      element.textContent = String(value);
    } else if (key === "style") {
      // CSSOM, not the style attribute: allowed by a CSP without 'unsafe-inline'.
      if (typeof value !== "object") throw new TypeError("h(): style takes an object of properties");
      for (const [name, v] of Object.entries(value)) {
        if (v !== null && v !== undefined) element.style.setProperty(name, String(v));
      }
    } else if (key === "dataset") {
      for (const [name, v] of Object.entries(value)) {
        if (v !== null && v !== undefined) element.dataset[name] = String(v);
      }
    } else if (key === "on") {
      for (const [type, handler] of Object.entries(value)) element.addEventListener(type, handler);
    } else if (key === "ref") {
      value(element);
    } else if (/^on[A-Z]/.test(key)) {
      if (typeof value !== "function") throw new TypeError(`h(): ${key} must be a function`);
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (/^on/i.test(key)) {
      throw new TypeError(`h(): inline handler attribute ${key} is not allowed`);
    } else if (PROPERTIES.has(key)) {
      element[key] = value;
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      const text = URL_ATTRIBUTES.has(key) ? safeUrl(value, { allowDataImages: key === "src" }) : String(value);
      element.setAttribute(key, text);
    }
  }
}

function appendChildren(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue;
    if (Array.isArray(child)) appendChildren(parent, child);
    else if (child instanceof Node) parent.append(child);
    else parent.append(document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * h("button", { class: "button", onClick: save, "aria-label": t("save") }, icon("check"), t("save"))
 * Props: class (string, array or {name: bool}), text, style {prop: value}, dataset, on {type: fn},
 * onEvent functions, ref(el), and any attribute (true: present, false/null: absent).
 * Children: nodes, strings, numbers, arrays; null/false are skipped.
 */
export function h(tag, props = null, ...children) {
  const element = document.createElement(tag);
  if (props) setProps(element, props);
  return appendChildren(element, children);
}

/** The same for SVG elements (icons, plans, QR codes drawn in the page). */
export function svg(tag, props = null, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  if (props) setProps(element, props);
  return appendChildren(element, children);
}

/** "a b" from "a b", ["a", cond && "b"] or {a: true, b: false}. */
export function classNames(value) {
  if (!value) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(classNames).filter(Boolean).join(" ");
  return Object.entries(value)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .join(" ");
}

export function fragment(...children) {
  return appendChildren(document.createDocumentFragment(), children);
}

/** Replace the children of `parent` (nothing else of it changes). */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return appendChildren(parent, children);
}

export function clear(parent) {
  parent.replaceChildren();
  return parent;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** addEventListener that returns its own removal. */
export function listen(target, type, handler, options) {
  target.addEventListener(type, handler, options);
  return () => target.removeEventListener(type, handler, options);
}

let counter = 0;
/** An id unique in the page, for label/aria-describedby pairs. */
export function uid(prefix = "g") {
  counter += 1;
  return `${prefix}-${counter}`;
}
