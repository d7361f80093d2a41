// Languages: BCP 47 negotiation, message dictionaries merged from every part of a page, plurals,
// and dates, times, numbers and distances in the station's time zone.
//
// A message dictionary is a folder of <language>.json files ({"key": "text {name}"}, flat keys);
// the shared layer brings web/common/i18n/, each page and feature adds its own folder with
// i18n.addSource(new URL("./i18n/", import.meta.url)). A plural message is an object of
// Intl.PluralRules categories ({"one": "{count} colis", "other": "{count} colis"}, "=0" for exact
// numbers), chosen by the `count` parameter.

export const DEFAULT_LOCALE = "fr";
export const FALLBACK_LOCALE = "en";
export const STATION_TIME_ZONE = "Europe/Paris";
const RTL_LANGUAGES = new Set(["ar", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"]);
const COMMON_SOURCE = new URL("./i18n/", import.meta.url);

/**
 * A message: a text with {params}, or its plural forms by Intl.PluralRules category ("=0" for exact counts).
 * @typedef {string | Record<string, string>} Message
 */
/** @typedef {Date | string | number} DateLike */

/**
 * The canonical form of a BCP 47 tag ("FR-ca" -> "fr-CA"), or null when it is not one.
 * @param {string} tag
 * @returns {string | null}
 */
export function canonicalLocale(tag) {
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * ["fr-CA", "en"] -> ["fr-CA", "fr", "en"], then the station's language and English (as the services do).
 * @param {string[]} preferred
 * @returns {string[]}
 */
export function fallbackChain(preferred) {
  /** @type {string[]} */
  const chain = [];
  for (const raw of [...preferred, DEFAULT_LOCALE, FALLBACK_LOCALE]) {
    const tag = canonicalLocale(raw);
    if (!tag) continue;
    const parts = tag.split("-");
    for (let end = parts.length; end > 0; end -= 1) {
      const candidate = parts.slice(0, end).join("-");
      // "zh-Hant-TW" -> "zh-Hant" -> "zh"; a lone script or region subtag is not a language.
      if (end > 1 && parts[end - 1].length === 1) continue;
      if (!chain.includes(candidate)) chain.push(candidate);
    }
  }
  return chain;
}

/**
 * The best of `supported` for a reader who prefers `preferred` (navigator.languages order).
 * @param {string[]} preferred
 * @param {string[]} supported
 * @returns {string}
 */
export function negotiate(preferred, supported) {
  const byLower = new Map(supported.map((tag) => [tag.toLowerCase(), tag]));
  for (const candidate of fallbackChain(preferred)) {
    const found = byLower.get(candidate.toLowerCase());
    if (found) return found;
  }
  return supported[0] ?? DEFAULT_LOCALE;
}

/** @param {string} locale */
export function languageOf(locale) {
  return String(locale).split("-")[0].toLowerCase();
}

/**
 * "rtl" for Arabic, Hebrew, Persian, Urdu...; "ltr" otherwise.
 * @param {string} locale
 * @returns {string}
 */
export function direction(locale) {
  try {
    // Intl.Locale's text info: a method in recent browsers, a getter in older ones (not typed yet).
    const info = /** @type {any} */ (new Intl.Locale(locale));
    const textInfo = typeof info.getTextInfo === "function" ? info.getTextInfo() : info.textInfo;
    if (textInfo?.direction) return textInfo.direction;
  } catch {
    /* fall through to the list */
  }
  return RTL_LANGUAGES.has(languageOf(locale)) ? "rtl" : "ltr";
}

/**
 * A language's own name for itself ("العربية", "English"): what a language switcher shows.
 * @param {string} locale
 */
export function autonym(locale) {
  try {
    const name = new Intl.DisplayNames([locale], { type: "language" }).of(locale);
    return name ? name.charAt(0).toLocaleUpperCase(locale) + name.slice(1) : locale;
  } catch {
    return locale;
  }
}

/** @param {string | null} key */
function storedChoice(key) {
  try {
    return key ? localStorage.getItem(key) : null;
  } catch {
    return null;
  }
}

/**
 * @param {string | null} key
 * @param {string} value
 */
function storeChoice(key, value) {
  try {
    if (key) localStorage.setItem(key, value);
  } catch {
    /* private browsing: the choice lasts for the page only */
  }
}

export class I18n extends EventTarget {
  constructor() {
    super();
    this.locale = DEFAULT_LOCALE;
    this.dir = "ltr";
    this.supported = [DEFAULT_LOCALE, FALLBACK_LOCALE];
    this.timeZone = STATION_TIME_ZONE;
    /** @type {string | null} */
    this.storageKey = "gare.locale";
    this.sources = [COMMON_SOURCE.href];
    /** @type {Map<string, Map<string, Message>>} locale -> key -> message */
    this.messages = new Map();
    /** @type {Set<string>} "source|locale" already fetched */
    this.loaded = new Set();
    /** @type {Set<string>} */
    this.missing = new Set();
    /** @type {Map<string, any>} */
    this.formatters = new Map();
  }

  /**
   * Pick the language (stored choice, else the browser's languages) and load every dictionary.
   * supported: the languages this page is translated into, its default first.
   * storageKey: where the reader's choice is kept (null for a kiosk, where the next person starts over).
   * @param {{ supported?: string[], storageKey?: string | null, timeZone?: string, requested?: string | null }} [options]
   */
  async start({ supported, storageKey = "gare.locale", timeZone = STATION_TIME_ZONE, requested } = {}) {
    if (supported?.length) this.supported = supported.map((tag) => canonicalLocale(tag)).filter((tag) => tag !== null);
    this.storageKey = storageKey;
    this.timeZone = timeZone;
    const stored = storedChoice(storageKey);
    const preferred = [requested, stored, ...(navigator.languages ?? [navigator.language])].filter((tag) => typeof tag === "string" && tag !== "");
    await this.setLocale(negotiate(preferred, this.supported), { persist: false });
    return this.locale;
  }

  /**
   * Add a folder of <language>.json files; loads it for the current language at once.
   * @param {string | URL} url
   */
  async addSource(url) {
    const href = new URL(url, document.baseURI).href;
    if (!this.sources.includes(href)) this.sources.push(href);
    await this.load(this.chain());
  }

  /**
   * Add messages directly (tests, or a feature that builds its texts in code).
   * @param {string} locale
   * @param {Record<string, Message>} messages
   */
  addMessages(locale, messages) {
    const tag = canonicalLocale(locale) ?? locale;
    const target = this.messages.get(tag) ?? new Map();
    this.messages.set(tag, target);
    for (const [key, message] of Object.entries(messages)) target.set(key, message);
  }

  /**
   * The languages searched for a message, best first.
   * @param {string} [locale]
   * @returns {string[]}
   */
  chain(locale = this.locale) {
    const allowed = new Set([...this.supported, DEFAULT_LOCALE, FALLBACK_LOCALE]);
    return fallbackChain([locale]).filter((tag) => allowed.has(tag));
  }

  /** @param {string[]} locales */
  async load(locales) {
    const jobs = [];
    for (const source of this.sources) {
      for (const locale of locales) {
        const key = `${source}|${locale}`;
        if (this.loaded.has(key)) continue;
        this.loaded.add(key);
        jobs.push(
          fetch(new URL(`${locale}.json`, source))
            .then((response) => (response.ok ? response.json() : null))
            .then((messages) => messages && this.addMessages(locale, messages))
            .catch(() => this.loaded.delete(key)), // offline: try again at the next change
        );
      }
    }
    await Promise.all(jobs);
  }

  /**
   * Switch language: load what is missing, set <html lang dir>, tell the page ("change" event).
   * @param {string} tag
   * @param {{ persist?: boolean }} [options]
   */
  async setLocale(tag, { persist = true } = {}) {
    const locale = negotiate([tag], this.supported);
    await this.load(this.chain(locale));
    this.locale = locale;
    this.dir = direction(locale);
    this.formatters.clear();
    const root = document.documentElement;
    root.lang = locale;
    root.dir = this.dir;
    if (persist) storeChoice(this.storageKey, locale);
    this.dispatchEvent(new CustomEvent("change", { detail: { locale, dir: this.dir } }));
    return locale;
  }

  /**
   * @param {string} key
   * @returns {[string | null, Message | undefined]}
   */
  lookup(key) {
    for (const locale of this.chain()) {
      const message = this.messages.get(locale)?.get(key);
      if (message !== undefined) return [locale, message];
    }
    return [null, undefined];
  }

  /** @param {string} key */
  has(key) {
    return this.lookup(key)[1] !== undefined;
  }

  /**
   * The message `key` in the reader's language, with {params} filled in; the key itself if unknown.
   * @param {string} key
   * @param {Record<string, any>} [params]
   * @returns {string}
   */
  t(key, params = {}) {
    let [locale, message] = this.lookup(key);
    if (message === undefined) {
      if (!this.missing.has(key)) {
        this.missing.add(key);
        console.warn(`i18n: no message for "${key}"`);
      }
      return key;
    }
    if (typeof message === "object") {
      const count = Number(params.count ?? 0);
      message = message[`=${count}`] ?? message[this.pluralRules(locale ?? this.locale).select(count)] ?? message.other ?? "";
    }
    return String(message).replace(/\{(\w+)\}/g, (whole, name) => {
      if (!(name in params)) return whole;
      const value = params[name];
      return typeof value === "number" ? this.formatNumber(value) : String(value);
    });
  }

  /** Fill the texts of static HTML: data-i18n="key" (text) and data-i18n-attr="aria-label:key;title:key". */
  /** @param {ParentNode} [root] */
  translate(root = document) {
    for (const element of root.querySelectorAll("[data-i18n]")) {
      element.textContent = this.t(element.getAttribute("data-i18n") ?? "");
    }
    for (const element of root.querySelectorAll("[data-i18n-attr]")) {
      for (const pair of (element.getAttribute("data-i18n-attr") ?? "").split(";")) {
        const [attribute, key] = pair.split(":").map((part) => part.trim());
        if (attribute && key) element.setAttribute(attribute, this.t(key));
      }
    }
  }

  /**
   * A formatter made once per kind and options (until the language changes).
   * @template T
   * @param {string} kind
   * @param {object} options
   * @param {() => T} make
   * @returns {T}
   */
  cached(kind, options, make) {
    const key = `${kind}|${JSON.stringify(options)}`;
    if (!this.formatters.has(key)) this.formatters.set(key, make());
    return this.formatters.get(key);
  }

  /** @param {string} [locale] */
  pluralRules(locale = this.locale) {
    return this.cached(`plural-${locale}`, {}, () => new Intl.PluralRules(locale));
  }

  /**
   * @param {number} value
   * @param {Intl.NumberFormatOptions} [options]
   */
  formatNumber(value, options = {}) {
    return this.cached("number", options, () => new Intl.NumberFormat(this.locale, options)).format(value);
  }

  /**
   * A date in the station's time zone (Europe/Paris), whatever the device's zone.
   * @param {DateLike} value
   * @param {Intl.DateTimeFormatOptions} [options]
   */
  formatDate(value, options = { dateStyle: "medium" }) {
    const format = this.cached("date", options, () =>
      new Intl.DateTimeFormat(this.locale, { timeZone: this.timeZone, ...options }),
    );
    return format.format(toDate(value));
  }

  /**
   * @param {DateLike} value
   * @param {Intl.DateTimeFormatOptions} [options]
   */
  formatTime(value, options = { timeStyle: "short" }) {
    return this.formatDate(value, options);
  }

  /**
   * @param {DateLike} value
   * @param {Intl.DateTimeFormatOptions} [options]
   */
  formatDateTime(value, options = { dateStyle: "medium", timeStyle: "short" }) {
    return this.formatDate(value, options);
  }

  /**
   * "dans 5 minutes", "il y a 2 heures", "hier".
   * @param {DateLike} value
   * @param {DateLike} [now]
   */
  formatRelative(value, now = Date.now()) {
    const seconds = (toDate(value).getTime() - toDate(now).getTime()) / 1000;
    /** @type {Array<[Intl.RelativeTimeFormatUnit, number]>} */
    const units = [
      ["year", 31536000],
      ["month", 2592000],
      ["week", 604800],
      ["day", 86400],
      ["hour", 3600],
      ["minute", 60],
      ["second", 1],
    ];
    const [unit, size] = units.find(([, size]) => Math.abs(seconds) >= size) ?? units[units.length - 1];
    const format = this.cached("relative", {}, () => new Intl.RelativeTimeFormat(this.locale, { numeric: "auto" }));
    return format.format(Math.round(seconds / size), unit);
  }

  /**
   * "350 m", "1,2 km".
   * @param {number} meters
   */
  formatDistance(meters) {
    if (meters < 1000) {
      return this.formatNumber(Math.round(meters / 10) * 10, { style: "unit", unit: "meter", unitDisplay: "short" });
    }
    return this.formatNumber(meters / 1000, {
      style: "unit",
      unit: "kilometer",
      unitDisplay: "short",
      maximumFractionDigits: 1,
    });
  }

  /**
   * "4 min", "1 h 5 min".
   * @param {number} seconds
   */
  formatDuration(seconds) {
    const minutes = Math.max(1, Math.round(seconds / 60));
    const unit = (/** @type {number} */ value, /** @type {string} */ name) => this.formatNumber(value, { style: "unit", unit: name, unitDisplay: "short" });
    if (minutes < 60) return unit(minutes, "minute");
    const rest = minutes % 60;
    return rest ? `${unit(Math.floor(minutes / 60), "hour")} ${unit(rest, "minute")}` : unit(minutes / 60, "hour");
  }

  /**
   * @param {string[]} items
   * @param {Intl.ListFormatOptions} [options]
   */
  formatList(items, options = { type: "conjunction" }) {
    return this.cached("list", options, () => new Intl.ListFormat(this.locale, options)).format(items);
  }
}

/** @param {DateLike} value */
function toDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** The page's one instance. */
export const i18n = new I18n();
/**
 * @param {string} key
 * @param {Record<string, any>} [params]
 */
export const t = (key, params) => i18n.t(key, params);
