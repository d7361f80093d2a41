// A hash router with a view registry: "#/parcels/42?station=x" -> the view registered for
// "/parcels/:id". Views are plain objects (see docs/web.md):
//
//   export default {
//     id: "parcels", path: "/parcels/:id?", title: "parcels.title",  // an i18n key, or (ctx) => text
//     requiresAuth: true,                                              // sign in first
//     nav: { label: "parcels.nav", icon: "parcel", order: 20 },       // in the navigation; optional
//     messages: new URL("./i18n/", import.meta.url),                   // its dictionary; optional
//     async render(ctx) { ctx.root.append(...) },                      // or return a Node
//   };
//
// ctx: {root, params, query, path, signal (aborted when the view is left), router, ...the page's
// own context (api, session, i18n, stations, toast...)}.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { announce, loading, problemNotice } from "./ui.js";

/**
 * A view (see the top of this file); other keys are the page's own (public, needsStation...).
 * @typedef {{ id: string, path: string, title?: string | ((ctx: any) => string), render: (ctx: any) => any, nav?: { label: string, icon?: string, order?: number, description?: string } } & Record<string, any>} View
 */
/** @typedef {View & { route: { regex: RegExp, names: string[] } }} RegisteredView */

/**
 * "/parcels/:id?" -> a regex and the names of its parameters.
 * @param {string} pattern
 */
function compile(pattern) {
  /** @type {string[]} */
  const names = [];
  let source = "";
  for (const part of pattern.split("/").filter(Boolean)) {
    const match = /^:(\w+)(\?)?$/.exec(part);
    if (!match) {
      source += `/${part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      continue;
    }
    names.push(match[1]);
    source += match[2] ? "(?:/([^/]+))?" : "/([^/]+)";
  }
  return { regex: new RegExp(`^${source}/?$`), names };
}

/**
 * "#/a/b?x=1" -> {path: "/a/b", query: {x: "1"}}
 * @param {string} [hash]
 * @returns {{ path: string, query: Record<string, string> }}
 */
export function parseHash(hash = location.hash) {
  const raw = hash.startsWith("#/") ? hash.slice(1) : "/";
  const [path, search = ""] = raw.split("?");
  return { path: path.startsWith("/") ? path : `/${path}`, query: Object.fromEntries(new URLSearchParams(search)) };
}

/**
 * "#/a/b?x=1" from ("/a/b", {x: 1}).
 * @param {string} path
 * @param {Record<string, any>} [query]
 */
export function hashFor(path, query = {}) {
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [k, String(v)]));
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

export class Router extends EventTarget {
  /**
   * outlet: where views render. context: what every view gets in ctx. guard(view, match) may return
   * a hash to go to instead (sign-in first). appName: the end of document.title.
   * @param {{ outlet: HTMLElement, context?: Record<string, any>, guard?: ((view: View, match: { path: string, query: Record<string, string>, params: Record<string, string> }) => Promise<string | null> | string | null) | null, appName?: string }} options
   */
  constructor({ outlet, context = {}, guard = null, appName = "" }) {
    super();
    this.outlet = outlet;
    this.context = context;
    this.guard = guard;
    this.appName = appName;
    /** @type {RegisteredView[]} */
    this.views = [];
    /** @type {{ view: View, path: string, query: Record<string, string>, params: Record<string, string> } | null} */
    this.current = null;
    /** @type {AbortController | null} */
    this.controller = null;
    this.hasRendered = false;
    // Only "#/..." is a route: "#main" (a skip link) or "#top" stay ordinary in-page links.
    this.onHashChange = () => (location.hash === "" || location.hash.startsWith("#/")) && this.render();
  }

  /**
   * Add a view (see the top of this file); later views with the same id replace earlier ones.
   * @param {View} view
   */
  register(view) {
    if (!view?.id || !view.path || typeof view.render !== "function") {
      throw new TypeError("a view needs id, path and render()");
    }
    this.views = this.views.filter((v) => v.id !== view.id);
    this.views.push({ ...view, route: compile(view.path) });
    return this;
  }

  /** The views that appear in the navigation, in their order. */
  navViews() {
    return this.views.filter((v) => v.nav).sort((a, b) => (a.nav.order ?? 100) - (b.nav.order ?? 100));
  }

  /**
   * The view of a path and its parameters, or null.
   * @param {string} path
   * @returns {{ view: RegisteredView, params: Record<string, string> } | null}
   */
  match(path) {
    for (const view of this.views) {
      const found = view.route.regex.exec(path);
      if (found) {
        const params = Object.fromEntries(view.route.names.map((name, i) => [name, found[i + 1] && decodeURIComponent(found[i + 1])]));
        return { view, params };
      }
    }
    return null;
  }

  start() {
    window.addEventListener("hashchange", this.onHashChange);
    return this.render();
  }

  stop() {
    window.removeEventListener("hashchange", this.onHashChange);
    this.controller?.abort();
  }

  /**
   * @param {string} path
   * @param {Record<string, any>} [query]
   * @param {{ replace?: boolean }} [options]
   * @returns {Promise<void>}
   */
  navigate(path, query = {}, { replace = false } = {}) {
    const hash = hashFor(path, query);
    if (replace) {
      history.replaceState(history.state, "", hash);
      return this.render();
    }
    if (location.hash === hash) return this.render();
    location.hash = hash; // hashchange renders
    return Promise.resolve();
  }

  /**
   * @param {string} path
   * @param {Record<string, any>} [query]
   */
  href(path, query) {
    return hashFor(path, query);
  }

  /**
   * @param {View} view
   * @param {any} ctx
   * @returns {string}
   */
  title(view, ctx) {
    if (typeof view.title === "function") return view.title(ctx);
    return view.title ? t(view.title) : "";
  }

  /**
   * Render the view of the current hash (again: after a language change, `keepFocus` keeps focus).
   * @param {{ keepFocus?: boolean }} [options]
   * @returns {Promise<void>}
   */
  async render({ keepFocus = false } = {}) {
    const { path, query } = parseHash();
    const found = this.match(path);
    const redirect = found && this.guard ? await this.guard(found.view, { path, query, params: found.params }) : null;
    if (redirect) {
      history.replaceState(history.state, "", redirect);
      return this.render();
    }
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    const root = h("section", { class: "view", "aria-labelledby": "view-title" });
    const ctx = { ...this.context, root, path, query, params: found?.params ?? {}, signal: controller.signal, router: this };
    /** @type {View} */
    const view = found?.view ?? { id: "not-found", path, title: "common.notFoundTitle", render: () => this.notFound(ctx) };
    this.current = { view, path, query, params: ctx.params };
    const previousFocus = keepFocus ? document.activeElement?.id : null;
    this.outlet.dataset.view = view.id;
    // A slow view shows a spinner after a moment; a fast one never flashes it.
    const spinner = setTimeout(() => this.outlet.replaceChildren(loading()), 200);
    try {
      const result = await view.render(ctx);
      if (result instanceof Node) root.append(result);
    } catch (error) {
      if (controller.signal.aborted) return;
      console.error(error);
      root.replaceChildren(h("h1", { id: "view-title", tabindex: "-1" }, this.title(view, ctx) || t("common.error")), problemNotice(error, { onRetry: () => this.render() }));
    } finally {
      clearTimeout(spinner);
    }
    if (controller.signal.aborted) return;
    this.outlet.replaceChildren(root);
    const title = this.title(view, ctx);
    document.title = [title, this.appName].filter(Boolean).join(" · ");
    if (keepFocus && previousFocus && document.getElementById(previousFocus)) {
      document.getElementById(previousFocus).focus();
    } else if (!keepFocus) {
      // Like a page load for screen-reader and keyboard users: focus the new view's heading.
      const heading = root.querySelector("#view-title, h1");
      if (heading && this.hasRendered) {
        heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
        announce(title);
      }
      window.scrollTo(0, 0);
    }
    this.hasRendered = true;
    this.dispatchEvent(new CustomEvent("navigate", { detail: this.current }));
  }

  /** @param {any} ctx */
  notFound(ctx) {
    ctx.root.append(
      h("h1", { id: "view-title", tabindex: "-1" }, t("common.notFoundTitle")),
      h("p", null, t("common.notFoundText")),
      h("p", null, h("a", { href: "#/" }, t("common.backHome"))),
    );
  }
}
