// Safe DOM building: elements from tag names, attributes and children; text is always text.
// Data never goes through innerHTML: a name with "<script>" in it shows as those characters.

/**
 * What h() takes as props: class, text, style, dataset, on, ref, onEvent handlers, attributes.
 * @typedef {Record<string, any>} Props
 */
/**
 * A child of h(): a node, a text, a number, an array of children; null, undefined and booleans are skipped.
 * @typedef {Node | string | number | boolean | null | undefined | any[]} Child
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "poster", "xlink:href", "cite"]);
// webcal: a calendar subscription (an iCalendar feed over HTTP that calendar apps keep current).
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:", "tel:", "blob:", "webcal:"]);
// Set as properties: the attribute only holds the initial value.
const PROPERTIES = new Set(["value", "checked", "selected", "indeterminate", "defaultValue"]);

/**
 * The URL if it is a web, mail, phone, calendar or blob address (relative ones resolve against the page); else "#".
 * @param {unknown} value
 * @param {{ allowDataImages?: boolean }} [options]
 * @returns {string}
 */
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

/**
 * @param {any} element an HTML or SVG element (properties like `value` are set on it directly)
 * @param {Props} props
 */
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

/**
 * @template {Element | DocumentFragment} P
 * @param {P} parent
 * @param {Child[]} children
 * @returns {P}
 */
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
/**
 * @param {string} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {any} the element; loosely typed, as pages keep helpers on what they build (setError, start)
 */
export function h(tag, props = null, ...children) {
  const element = document.createElement(tag);
  if (props) setProps(element, props);
  return appendChildren(element, children);
}

/**
 * The same for SVG elements (icons, plans, QR codes drawn in the page).
 * @param {string} tag
 * @param {Props | null} [props]
 * @param {...Child} children
 * @returns {any}
 */
export function svg(tag, props = null, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  if (props) setProps(element, props);
  return appendChildren(element, children);
}

/**
 * "a b" from "a b", ["a", cond && "b"] or {a: true, b: false}.
 * @param {any} value
 * @returns {string}
 */
export function classNames(value) {
  if (!value) return "";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(classNames).filter(Boolean).join(" ");
  return Object.entries(value)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .join(" ");
}

/** @param {...Child} children */
export function fragment(...children) {
  return appendChildren(document.createDocumentFragment(), children);
}

/**
 * Replace the children of `parent` (nothing else of it changes).
 * @template {Element | DocumentFragment} P
 * @param {P} parent
 * @param {...Child} children
 * @returns {P}
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return appendChildren(parent, children);
}

/**
 * @template {Element | DocumentFragment} P
 * @param {P} parent
 */
export function clear(parent) {
  parent.replaceChildren();
  return parent;
}

/** @type {(selector: string, root?: ParentNode) => any} */
export const $ = (selector, root = document) => root.querySelector(selector);
/** @type {(selector: string, root?: ParentNode) => any[]} */
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/**
 * addEventListener that returns its own removal.
 * @param {EventTarget} target
 * @param {string} type
 * @param {EventListenerOrEventListenerObject} handler
 * @param {boolean | AddEventListenerOptions} [options]
 */
export function listen(target, type, handler, options) {
  target.addEventListener(type, handler, options);
  return () => target.removeEventListener(type, handler, options);
}

let counter = 0;
/** An id unique in the page, for label/aria-describedby pairs. */
/** @param {string} [prefix] */
export function uid(prefix = "g") {
  counter += 1;
  return `${prefix}-${counter}`;
}
