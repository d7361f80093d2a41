// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { calendarUrl, localized, subscribeUrl, whenText } from "../../web/common/agenda.js";
import { safeUrl } from "../../web/common/dom.js";

const PARIS = { locale: "fr", timeZone: "Europe/Paris" };

describe("an event's texts", () => {
  it("are read in the reader's language, then French, English, any", () => {
    const title = { fr: "Salon", en: "Trade fair", "zh-Hans": "展会" };
    expect(localized(title, "en-GB")).toBe("Trade fair");
    expect(localized(title, "zh-Hans")).toBe("展会");
    expect(localized(title, "ar")).toBe("Salon");
    expect(localized({ de: "Messe" }, "ar")).toBe("Messe");
    expect(localized(null, "fr")).toBe("");
  });
});

describe("when an event happens", () => {
  it("is said in the station's time, one day shown once", () => {
    const event = { starts_at: "2026-12-12T18:00:00Z", ends_at: "2026-12-12T20:00:00Z", all_day: false };
    expect(whenText(PARIS, event)).toMatch(/^12 déc\. 2026, 19:00\s*–\s*21:00$/);
  });

  it("gives whole days from the first to the last, the end being the midnight after it", () => {
    const event = { starts_at: "2026-12-11T23:00:00Z", ends_at: "2026-12-14T23:00:00Z", all_day: true };
    expect(whenText(PARIS, event)).toBe("12–14 déc. 2026");
  });
});

describe("the calendar links", () => {
  it("name the feed in a language, and as a subscription that the pages let through", () => {
    const feed = calendarUrl("saint-denis-pleyel", "en", "https://gare.example");
    expect(feed).toBe("https://gare.example/api/v1/stations/saint-denis-pleyel/signage/agenda/calendar.ics?lang=en");
    const subscription = subscribeUrl("saint-denis-pleyel", "en", "https://gare.example");
    expect(subscription).toBe("webcal://gare.example/api/v1/stations/saint-denis-pleyel/signage/agenda/calendar.ics?lang=en");
    expect(safeUrl(subscription)).toBe(subscription);
    expect(safeUrl("javascript:alert(1)")).toBe("#");
  });
});
