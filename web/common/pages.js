// Lists, page by page. Every list of every service answers one shape,
//
//   GET .../parcels?status=ready&cursor=<opaque>&limit=50  ->  {"items": [...], "next_cursor": "<opaque>" | null}
//
// ordered by a stable key, so paging stays right while rows are added. The cursor is the service's
// to read: a page sends back the one it was given and nothing else. Filters are query parameters.
// Pages read lists only through this module: one page (fetchPage), every page (eachPage, eachItem,
// allItems), or a list that grows when asked ("show more", Pager).

/** The most items one page may hold (a service refuses more). */
export const MAX_LIMIT = 200;
/** A service's page when no limit is asked. */
export const DEFAULT_LIMIT = 50;

/**
 * @template T
 * @typedef {object} Page
 * @property {T[]} items
 * @property {string | null} next_cursor  null on the last page
 */

/**
 * What lists are read through: the pages' Api, or a console's serviceApi(ctx, name). `get` takes
 * the options of Api.request (query, auth, signal, headers...).
 * @typedef {{ get(path: string, options?: Record<string, any>): Promise<any> }} Reader
 */

/**
 * Options of a list read: its filters (`query`), the page size, where to start, and anything else
 * the reader's get takes (auth, signal, headers).
 * @typedef {{ query?: Record<string, any>, limit?: number, cursor?: string | null } & Record<string, any>} ListOptions
 */

/**
 * The body as a page, or a TypeError that names the list: a list answering another shape is a
 * broken contract, not an empty list.
 * @template T
 * @param {unknown} body
 * @param {string} [what] the list's path, for the message
 * @returns {Page<T>}
 */
export function asPage(body, what = "a list") {
  const page = /** @type {{ items?: unknown, next_cursor?: unknown } | null} */ (body);
  const ok =
    page !== null &&
    typeof page === "object" &&
    Array.isArray(page.items) &&
    (page.next_cursor === null || (typeof page.next_cursor === "string" && page.next_cursor !== ""));
  if (!ok) throw new TypeError(`${what} did not answer a page ({"items": [...], "next_cursor": ...})`);
  return /** @type {Page<T>} */ (page);
}

/**
 * One page of a list.
 * @param {Reader} reader
 * @param {string} path
 * @param {ListOptions} [options]
 * @returns {Promise<Page<any>>}
 */
export async function fetchPage(reader, path, { query = {}, limit, cursor = null, ...options } = {}) {
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIMIT)) {
    throw new RangeError(`a page holds 1 to ${MAX_LIMIT} items, not ${limit}`);
  }
  const asked = { ...query, cursor: cursor ?? undefined, limit };
  return asPage(await reader.get(path, { ...options, query: asked }), path);
}

/**
 * Every page of a list in order, from `cursor` (the first page without one), MAX_LIMIT items each
 * unless `limit` says otherwise. A service that hands back a cursor already given would page
 * forever: that is an Error.
 * @param {Reader} reader
 * @param {string} path
 * @param {ListOptions} [options]
 * @returns {AsyncGenerator<Page<any>, void, undefined>}
 */
export async function* eachPage(reader, path, { cursor = null, limit = MAX_LIMIT, ...options } = {}) {
  const given = new Set();
  let next = cursor;
  for (;;) {
    const page = await fetchPage(reader, path, { ...options, limit, cursor: next });
    yield page;
    if (page.next_cursor === null) return;
    if (given.has(page.next_cursor)) throw new Error(`${path}: a page cursor came back twice`);
    given.add(page.next_cursor);
    next = page.next_cursor;
  }
}

/**
 * Every item of every page, in the list's order.
 * @param {Reader} reader
 * @param {string} path
 * @param {ListOptions} [options]
 * @returns {AsyncGenerator<any, void, undefined>}
 */
export async function* eachItem(reader, path, options) {
  for await (const page of eachPage(reader, path, options)) yield* page.items;
}

/**
 * The whole list in one array (a picker's options, a dashboard's counts): for lists a station keeps
 * small. A list a person browses grows with a Pager instead.
 * @param {Reader} reader
 * @param {string} path
 * @param {ListOptions} [options]
 * @returns {Promise<any[]>}
 */
export async function allItems(reader, path, options) {
  const items = [];
  for await (const page of eachPage(reader, path, options)) items.push(...page.items);
  return items;
}

/**
 * The items of a page already read (a polled first page): the page shape checked.
 * @param {unknown} body
 * @param {string} [what]
 * @returns {any[]}
 */
export function itemsOf(body, what) {
  return asPage(body, what).items;
}

/**
 * A list read a page at a time as a person asks for more ("show more" under a table): `items` holds
 * what was read so far, in order; `more()` reads the next page and resolves with its items. Asking
 * again while a page is on its way (a double click) waits for that same page: no page is read twice.
 * A page that fails leaves the list as it was, and `more()` tries that page again.
 */
export class Pager {
  /**
   * @param {Reader} reader
   * @param {string} path
   * @param {ListOptions} [options] limit defaults to DEFAULT_LIMIT
   */
  constructor(reader, path, { limit = DEFAULT_LIMIT, cursor = null, ...options } = {}) {
    this.reader = reader;
    this.path = path;
    this.limit = limit;
    this.options = options;
    /** @type {any[]} */
    this.items = [];
    /** @type {string | null} the cursor of the next page */
    this.cursor = cursor;
    /** @type {boolean} true once the last page is read */
    this.done = false;
    /** @type {Promise<any[]> | null} */
    this.pending = null;
  }

  /** @returns {boolean} whether a page is left to read */
  get hasMore() {
    return !this.done;
  }

  /** @returns {Promise<any[]>} the items of the page read (none when the list was read to its end) */
  more() {
    if (this.done) return Promise.resolve([]);
    if (!this.pending) {
      this.pending = (async () => {
        try {
          const page = await fetchPage(this.reader, this.path, { ...this.options, limit: this.limit, cursor: this.cursor });
          this.items.push(...page.items);
          this.cursor = page.next_cursor;
          this.done = page.next_cursor === null;
          return page.items;
        } finally {
          this.pending = null;
        }
      })();
    }
    return this.pending;
  }
}
