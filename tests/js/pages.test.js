import { afterEach, describe, expect, it, vi } from "vitest";
import { Api } from "../../web/common/api.js";
import { DEFAULT_LIMIT, MAX_LIMIT, Pager, allItems, asPage, eachItem, eachPage, fetchPage, itemsOf } from "../../web/common/pages.js";

/**
 * A list of `rows` served the way the services do: keyset pages of `limit` after the cursor (here
 * the last code given, base64 so that nothing reads it), filters as query parameters.
 */
function listReader(rows) {
  const calls = [];
  return {
    calls,
    async get(path, options = {}) {
      calls.push({ path, ...options });
      const { cursor, limit = DEFAULT_LIMIT, kind } = options.query ?? {};
      const after = cursor ? atob(cursor) : null;
      const matching = rows.filter((row) => (!kind || row.kind === kind) && (after === null || row.code > after));
      const items = matching.slice(0, limit);
      const next = matching.length > limit ? btoa(items.at(-1).code) : null;
      return { items, next_cursor: next };
    },
  };
}

const ROWS = Array.from({ length: 7 }, (_, i) => ({ code: `P${String(i).padStart(2, "0")}`, kind: i % 2 ? "lift" : "exit" }));

describe("asPage", () => {
  it("takes the page shape", () => {
    expect(asPage({ items: [1], next_cursor: null }).items).toEqual([1]);
    expect(asPage({ items: [], next_cursor: "abc" }).next_cursor).toBe("abc");
  });

  it.each([
    ["a bare array", [1, 2]],
    ["an old offset page", { items: [], total: 0, offset: 0, limit: 50 }],
    ["an old keyset page", { items: [], next_after: null }],
    ["a named list", { screens: [], station_id: "x" }],
    ["an empty cursor", { items: [], next_cursor: "" }],
    ["nothing", null],
  ])("refuses %s, naming the list", (_, body) => {
    expect(() => asPage(body, "/signage/screens")).toThrow(/\/signage\/screens did not answer a page/);
  });

  it("itemsOf gives a polled page's items", () => {
    expect(itemsOf({ items: ["a"], next_cursor: "n" })).toEqual(["a"]);
    expect(() => itemsOf({ feeds: [] }, "/feeds")).toThrow(TypeError);
  });
});

describe("fetchPage", () => {
  it("asks with the filters, the cursor and the limit, and passes the other options on", async () => {
    const reader = listReader(ROWS);
    const signal = new AbortController().signal;
    const page = await fetchPage(reader, "/places", { query: { kind: "lift" }, limit: 2, cursor: btoa("P01"), auth: "none", signal });
    expect(page.items.map((row) => row.code)).toEqual(["P03", "P05"]);
    expect(reader.calls[0]).toEqual({ path: "/places", auth: "none", signal, query: { kind: "lift", cursor: btoa("P01"), limit: 2 } });
  });

  it("leaves the cursor and the limit out when not given (the first page, the service's size)", async () => {
    const reader = listReader(ROWS);
    await fetchPage(reader, "/places");
    expect(reader.calls[0].query).toEqual({ cursor: undefined, limit: undefined });
  });

  it("refuses a limit the services refuse", async () => {
    const reader = listReader(ROWS);
    await expect(fetchPage(reader, "/places", { limit: MAX_LIMIT + 1 })).rejects.toThrow(RangeError);
    await expect(fetchPage(reader, "/places", { limit: 0 })).rejects.toThrow(RangeError);
    expect(reader.calls).toEqual([]);
  });

  it("fails on a list of another shape", async () => {
    const reader = { get: async () => ({ systems: [], page: { total: 0 } }) };
    await expect(fetchPage(reader, "/systems")).rejects.toThrow(/\/systems did not answer a page/);
  });
});

describe("every page", () => {
  it("reads each item once, in order, following the cursors", async () => {
    const reader = listReader(ROWS);
    const pages = [];
    for await (const page of eachPage(reader, "/places", { limit: 3 })) pages.push(page.items.map((row) => row.code));
    expect(pages).toEqual([["P00", "P01", "P02"], ["P03", "P04", "P05"], ["P06"]]);
    expect(reader.calls.map((call) => call.query.cursor)).toEqual([undefined, btoa("P02"), btoa("P05")]);
  });

  it("asks for the biggest pages by default, with the filters on every page", async () => {
    const reader = listReader(ROWS);
    expect((await allItems(reader, "/places", { query: { kind: "exit" } })).map((row) => row.code)).toEqual(["P00", "P02", "P04", "P06"]);
    expect(reader.calls.map((call) => call.query)).toEqual([{ kind: "exit", cursor: undefined, limit: MAX_LIMIT }]);
  });

  it("eachItem yields across page boundaries", async () => {
    const codes = [];
    for await (const row of eachItem(listReader(ROWS), "/places", { limit: 2 })) codes.push(row.code);
    expect(codes).toEqual(ROWS.map((row) => row.code));
  });

  it("gives an empty list for an empty one", async () => {
    expect(await allItems(listReader([]), "/places")).toEqual([]);
  });

  it("stops with an error when a cursor comes back twice, instead of paging forever", async () => {
    const reader = { get: vi.fn(async () => ({ items: [1], next_cursor: "same" })) };
    await expect(allItems(reader, "/loop")).rejects.toThrow(/cursor came back twice/);
    expect(reader.get).toHaveBeenCalledTimes(2);
  });
});

describe("Pager", () => {
  it("grows page by page until the last", async () => {
    const pager = new Pager(listReader(ROWS), "/places", { limit: 3, query: { kind: undefined } });
    expect(pager.hasMore).toBe(true);
    expect((await pager.more()).map((row) => row.code)).toEqual(["P00", "P01", "P02"]);
    await pager.more();
    expect(pager.hasMore).toBe(true);
    expect((await pager.more()).map((row) => row.code)).toEqual(["P06"]);
    expect(pager.hasMore).toBe(false);
    expect(pager.items.map((row) => row.code)).toEqual(ROWS.map((row) => row.code));
    expect(await pager.more()).toEqual([]);
  });

  it("uses the services' default page size", async () => {
    const reader = listReader(ROWS);
    await new Pager(reader, "/places").more();
    expect(reader.calls[0].query.limit).toBe(DEFAULT_LIMIT);
  });

  it("reads a page once when asked twice while it loads (a double click)", async () => {
    const reader = listReader(ROWS);
    const pager = new Pager(reader, "/places", { limit: 4 });
    const [first, second] = await Promise.all([pager.more(), pager.more()]);
    expect(first).toBe(second);
    expect(reader.calls).toHaveLength(1);
    expect(pager.items).toHaveLength(4);
  });

  it("keeps its place when a page fails, and reads that page again", async () => {
    const reader = listReader(ROWS);
    const pager = new Pager(reader, "/places", { limit: 4 });
    await pager.more();
    const get = reader.get;
    reader.get = async () => {
      throw new Error("offline");
    };
    await expect(pager.more()).rejects.toThrow("offline");
    expect(pager.items).toHaveLength(4);
    reader.get = get;
    expect((await pager.more()).map((row) => row.code)).toEqual(["P04", "P05", "P06"]);
    expect(pager.hasMore).toBe(false);
  });
});

describe("through the pages' Api", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("sends cursor and limit as query parameters and reads the JSON page", async () => {
    const urls = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url) => {
        urls.push(new URL(url));
        const after = new URL(url).searchParams.get("cursor");
        const body = after ? { items: [{ id: 2 }], next_cursor: null } : { items: [{ id: 1 }], next_cursor: "c/1+=" };
        return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
      }),
    );
    const api = new Api({ base: "http://gare.test" });
    const items = await allItems(api, "/api/v1/stations/x/lockers/openings", { query: { bank: "A" }, limit: 1, auth: "none" });
    expect(items).toEqual([{ id: 1 }, { id: 2 }]);
    expect(urls.map((url) => url.search)).toEqual(["?bank=A&limit=1", "?bank=A&cursor=c%2F1%2B%3D&limit=1"]);
  });
});
