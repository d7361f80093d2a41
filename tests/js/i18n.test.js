import { describe, expect, it } from "vitest";
import { I18n, autonym, canonicalLocale, direction, fallbackChain, negotiate } from "../../web/common/i18n.js";

describe("languages", () => {
  it("canonicalizes BCP 47 tags and refuses what is not one", () => {
    expect(canonicalLocale("FR-ca")).toBe("fr-CA");
    expect(canonicalLocale("zh-hant-tw")).toBe("zh-Hant-TW");
    expect(canonicalLocale("not a tag")).toBeNull();
  });

  it("falls back from the most precise tag to the station's language, then English", () => {
    expect(fallbackChain(["fr-CA"])).toEqual(["fr-CA", "fr", "en"]);
    expect(fallbackChain(["zh-Hant-TW", "de"])).toEqual(["zh-Hant-TW", "zh-Hant", "zh", "de", "fr", "en"]);
    expect(fallbackChain(["bogus tag", "ar"])).toEqual(["ar", "fr", "en"]);
  });

  it("negotiates the reader's best supported language", () => {
    expect(negotiate(["de-AT", "en-GB"], ["fr", "en", "ar"])).toBe("en");
    expect(negotiate(["ar-MA"], ["fr", "en", "ar"])).toBe("ar");
    expect(negotiate(["ja"], ["fr", "en"])).toBe("fr");
    expect(negotiate(["EN"], ["fr", "en"])).toBe("en");
  });

  it("knows the writing direction and a language's own name", () => {
    expect(direction("ar")).toBe("rtl");
    expect(direction("he-IL")).toBe("rtl");
    expect(direction("fr")).toBe("ltr");
    expect(autonym("fr")).toBe("Français");
    expect(autonym("en")).toBe("English");
  });
});

function dictionary() {
  const i18n = new I18n();
  i18n.supported = ["fr", "en", "ar"];
  i18n.addMessages("fr", {
    "parcels.title": "Mes colis",
    "parcels.count": { "=0": "Aucun colis", one: "{count} colis", other: "{count} colis" },
    "parcels.at": "Casier {code}",
    "only.fr": "seulement en français",
  });
  i18n.addMessages("en", { "parcels.title": "My parcels", "parcels.count": { one: "{count} parcel", other: "{count} parcels" } });
  return i18n;
}

describe("messages", () => {
  it("fills parameters and leaves unknown ones as written", () => {
    const i18n = dictionary();
    expect(i18n.t("parcels.at", { code: "A-12" })).toBe("Casier A-12");
    expect(i18n.t("parcels.at")).toBe("Casier {code}");
  });

  it("chooses the plural form, an exact count first, with numbers in the reader's format", () => {
    const i18n = dictionary();
    expect(i18n.t("parcels.count", { count: 0 })).toBe("Aucun colis");
    expect(i18n.t("parcels.count", { count: 1 })).toBe("1 colis");
    expect(i18n.t("parcels.count", { count: 1200 })).toBe("1\u202f200 colis");
    i18n.locale = "en";
    expect(i18n.t("parcels.count", { count: 1 })).toBe("1 parcel");
    expect(i18n.t("parcels.count", { count: 0 })).toBe("0 parcels");
  });

  it("falls back to the station's language, then gives the key itself", () => {
    const i18n = dictionary();
    i18n.locale = "ar";
    expect(i18n.t("parcels.title")).toBe("Mes colis");
    expect(i18n.t("only.fr")).toBe("seulement en français");
    expect(i18n.t("no.such.key")).toBe("no.such.key");
    expect(i18n.has("no.such.key")).toBe(false);
  });
});

describe("formatting, in the station's time zone", () => {
  const i18n = dictionary();
  // ICU puts narrow no-break spaces between a number and its unit.
  const plain = (text) => text.replace(/[\u00a0\u202f]/g, " ");

  it("dates and times in Paris whatever the device's zone, summer time included", () => {
    expect(i18n.formatTime("2026-07-01T10:00:00Z")).toBe("12:00");
    expect(i18n.formatTime("2026-12-01T10:00:00Z")).toBe("11:00");
    expect(i18n.formatDate("2026-12-31T23:30:00Z", { dateStyle: "short" })).toBe("01/01/2027");
  });

  it("relative times, distances, durations and lists in the reader's language", () => {
    const now = Date.parse("2026-12-07T12:00:00Z");
    expect(i18n.formatRelative(now - 3 * 60_000, now)).toBe("il y a 3 minutes");
    expect(i18n.formatRelative(now - 86_400_000, now)).toBe("hier");
    expect(plain(i18n.formatDistance(347))).toBe("350 m");
    expect(plain(i18n.formatDistance(1234))).toBe("1,2 km");
    expect(plain(i18n.formatDuration(20))).toBe("1 min");
    expect(plain(i18n.formatDuration(3900))).toBe("1 h 5 min");
    expect(i18n.formatList(["A", "B", "C"])).toBe("A, B et C");
  });
});
