// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { i18n } from "../../web/common/i18n.js";
import { dataTable, localized, pagedList, stationTimeToIso } from "../../web/console/kit.js";

describe("the station's wall time", () => {
  it.each([
    ["2026-11-27T08:30", "2026-11-27T08:30:00+01:00"],
    ["2026-07-14T22:00", "2026-07-14T22:00:00+02:00"],
    // The night summer time starts (02:00 -> 03:00) and ends (03:00 -> 02:00) in Paris.
    ["2026-03-29T01:30", "2026-03-29T01:30:00+01:00"],
    ["2026-03-29T03:30", "2026-03-29T03:30:00+02:00"],
    ["2026-10-25T04:00", "2026-10-25T04:00:00+01:00"],
  ])("%s in Paris is %s", (typed, iso) => {
    expect(stationTimeToIso(typed, "Europe/Paris")).toBe(iso);
  });

  it("follows the zone it is given", () => {
    expect(stationTimeToIso("2026-01-10T12:00", "America/Montreal")).toBe("2026-01-10T12:00:00-05:00");
    expect(stationTimeToIso("2026-01-10T12:00", "Asia/Kolkata")).toBe("2026-01-10T12:00:00+05:30");
  });
});

describe("localized texts of the API", () => {
  it("in the console's language, else French, else English, else any", () => {
    i18n.locale = "en";
    expect(localized({ fr: "Vélo", en: "Bike" })).toBe("Bike");
    expect(localized({ fr: "Vélo", de: "Fahrrad" })).toBe("Vélo");
    expect(localized({ de: "Fahrrad" })).toBe("Fahrrad");
    expect(localized("plain")).toBe("plain");
    expect(localized(null)).toBe("");
    i18n.locale = "fr";
  });
});

describe("a table that grows page by page", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ code: `B${i}` }));
  const reader = {
    async get(path, { query }) {
      const start = query.cursor ? Number(query.cursor) : 0;
      const items = rows.slice(start, start + query.limit);
      return { items, next_cursor: start + query.limit < rows.length ? String(start + query.limit) : null };
    },
  };
  const table = (shown) => dataTable({ columns: [{ label: "Code", render: (row) => row.code }], rows: shown });

  it("shows the first page, then the next under it on 'show more', and no button after the last", async () => {
    const list = pagedList({ reader, path: "/banks", limit: 2, table });
    await list.start();
    expect([...list.querySelectorAll("tbody tr")].map((tr) => tr.dataset.key)).toEqual(["B0", "B1"]);
    const keys = () => [...list.querySelectorAll("tbody tr")].map((tr) => tr.dataset.key);
    list.querySelector(".pager button").click();
    await vi.waitFor(() => expect(keys()).toEqual(["B0", "B1", "B2", "B3"]));
    list.querySelector(".pager button").click();
    await vi.waitFor(() => expect(keys()).toHaveLength(5));
    expect(list.querySelector(".pager")).toBeNull();
  });
});
