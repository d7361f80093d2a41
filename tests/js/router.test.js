// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { i18n } from "../../web/common/i18n.js";
import { Router, hashFor, parseHash } from "../../web/common/router.js";

describe("parseHash and hashFor", () => {
  it.each([
    ["#/parcels/42?station=saint-denis-pleyel", { path: "/parcels/42", query: { station: "saint-denis-pleyel" } }],
    ["#/", { path: "/", query: {} }],
    ["", { path: "/", query: {} }],
    ["#main", { path: "/", query: {} }],
    ["#/route?from=hall&to=quai%202", { path: "/route", query: { from: "hall", to: "quai 2" } }],
  ])("%s", (hash, expected) => {
    expect(parseHash(hash)).toEqual(expected);
  });

  it("leaves out empty query values and encodes the rest", () => {
    expect(hashFor("/lockers/parcels", { status: "ready", bank: "", q: null, page: undefined })).toBe("#/lockers/parcels?status=ready");
    expect(hashFor("/route", { to: "quai 2&3", n: 2 })).toBe("#/route?to=quai+2%263&n=2");
    expect(parseHash(hashFor("/route", { to: "quai 2&3" })).query).toEqual({ to: "quai 2&3" });
  });
});

describe("Router", () => {
  let outlet;
  const rendered = [];
  const view = (id, path, extra = {}) => ({ id, path, title: () => id, render: (ctx) => rendered.push({ id, params: ctx.params, query: ctx.query, signal: ctx.signal }), ...extra });

  beforeEach(() => {
    vi.spyOn(window, "scrollTo").mockImplementation(() => {}); // jsdom has no layout
    i18n.addMessages("fr", { "common.notFoundTitle": "Page introuvable", "common.notFoundText": "…", "common.backHome": "Accueil" });
    outlet = document.createElement("main");
    document.body.append(outlet);
    rendered.length = 0;
  });
  afterEach(() => {
    outlet.remove();
    history.replaceState(null, "", "#/");
  });

  it("matches paths with parameters, optional ones and decoded values", () => {
    const router = new Router({ outlet }).register(view("home", "/")).register(view("parcels", "/parcels/:id?")).register(view("bank", "/lockers/banks/:code"));
    expect(router.match("/").view.id).toBe("home");
    expect(router.match("/parcels").params).toEqual({ id: undefined });
    expect(router.match("/parcels/42/").params).toEqual({ id: "42" });
    expect(router.match("/lockers/banks/A%201").params).toEqual({ code: "A 1" });
    expect(router.match("/lockers/banks")).toBeNull();
    expect(router.match("/lockers/banks/A/B")).toBeNull();
  });

  it("treats a path's dots and other signs literally", () => {
    const router = new Router({ outlet }).register(view("file", "/files/a.b"));
    expect(router.match("/files/a.b")).not.toBeNull();
    expect(router.match("/files/aXb")).toBeNull();
  });

  it("refuses a view without id, path or render, and replaces one registered again", () => {
    const router = new Router({ outlet });
    expect(() => router.register({ id: "x", path: "/x" })).toThrow(TypeError);
    router.register(view("x", "/x")).register(view("x", "/y"));
    expect(router.views).toHaveLength(1);
    expect(router.match("/y").view.id).toBe("x");
  });

  it("orders the navigation by nav.order and leaves out views without nav", () => {
    const router = new Router({ outlet })
      .register(view("b", "/b", { nav: { label: "b", order: 20 } }))
      .register(view("hidden", "/h"))
      .register(view("a", "/a", { nav: { label: "a", order: 10 } }));
    expect(router.navViews().map((v) => v.id)).toEqual(["a", "b"]);
  });

  it("renders the view of the hash with its params and query, and aborts the one left", async () => {
    const router = new Router({ outlet, appName: "Gare" }).register(view("parcels", "/parcels/:id?")).register(view("home", "/"));
    history.replaceState(null, "", "#/parcels/7?station=x");
    await router.render();
    expect(rendered[0]).toMatchObject({ id: "parcels", params: { id: "7" }, query: { station: "x" } });
    expect(outlet.dataset.view).toBe("parcels");
    expect(document.title).toBe("parcels · Gare");
    await router.navigate("/", {}, { replace: true });
    expect(rendered[1].id).toBe("home");
    expect(rendered[0].signal.aborted).toBe(true);
  });

  it("goes where the guard says instead", async () => {
    const guard = (v) => (v.requiresAuth ? "#/signin" : null);
    const router = new Router({ outlet, guard }).register(view("mine", "/mine", { requiresAuth: true })).register(view("signin", "/signin"));
    history.replaceState(null, "", "#/mine");
    await router.render();
    expect(rendered.map((r) => r.id)).toEqual(["signin"]);
    expect(location.hash).toBe("#/signin");
  });

  it("shows a not-found view for an unknown path", async () => {
    const router = new Router({ outlet }).register(view("home", "/"));
    history.replaceState(null, "", "#/nowhere");
    await router.render();
    expect(outlet.dataset.view).toBe("not-found");
    expect(outlet.querySelector("h1").textContent).toBe("Page introuvable");
  });
});
