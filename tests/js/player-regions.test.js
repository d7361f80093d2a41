// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { regionsFrom } from "../../web/console/signage/layouts.js";
import { Regions, directionOf, vehicleIcon, vehicleIconOf, whenText } from "../../web/player/regions.js";

const NOW = Date.parse("2026-12-07T09:00:00Z");
const at = (minutes) => new Date(NOW + minutes * 60000).toISOString();

describe("departure times", () => {
  it("counts down in minutes, says when a train is in, and a far one by its time", () => {
    expect(whenText({ status: "on_time", expected_at: at(4.5) }, NOW)).toBe("4 min");
    expect(whenText({ status: "on_time", expected_at: at(0.5) }, NOW)).toBe("À quai");
    expect(whenText({ status: "delayed", aimed_at: at(2), expected_at: at(7) }, NOW)).toBe("7 min");
    expect(whenText({ status: "on_time", expected_at: at(75) }, NOW)).toBe("11:15");
    expect(whenText({ status: "cancelled", expected_at: at(3) }, NOW)).toBe("Supprimé");
    expect(whenText({ status: "on_time", expected_at: null, aimed_at: null }, NOW)).toBe("—");
  });
});

describe("direction", () => {
  it("reads right to left when the screen's first language does", () => {
    expect(directionOf(["ar", "fr"])).toBe("rtl");
    expect(directionOf(["he-IL"])).toBe("rtl");
    expect(directionOf(["fr", "ar"])).toBe("ltr");
    expect(directionOf([])).toBe("ltr");
  });
});

describe("the layout's grid", () => {
  const layout = {
    code: "side",
    columns: ["3fr", "1fr"],
    rows: ["1fr", "auto"],
    areas: ["content clock", "ticker ticker"],
    regions: [
      { name: "content", kind: "content", playlist: "main" },
      { name: "clock", kind: "clock", time_zone: "Europe/Paris" },
      { name: "ticker", kind: "ticker", items: [] },
    ],
  };

  it("draws the grid once, puts the rotation in its content region, and updates the ticker in place", () => {
    const stage = document.createElement("main");
    const content = document.createElement("div");
    const regions = new Regions(stage, content);
    regions.apply({ screen: { languages: ["fr"] }, layout });
    expect(stage.style.gridTemplateAreas).toBe('"content clock" "ticker ticker"');
    expect(stage.style.gridTemplateColumns).toBe("3fr 1fr");
    expect([...stage.children].map((node) => node.dataset.region)).toEqual(["content", "clock", "ticker"]);
    expect(content.parentElement.dataset.region).toBe("content");
    const ticker = stage.querySelector("[data-region=ticker]");
    expect(ticker.dataset.empty).toBe("true");

    const lines = [{ id: "d1", source: "disruption:d1", severity: "severe", language: "fr", text: "Ligne 15 interrompue", lines: ["15"] }];
    regions.apply({ screen: { languages: ["fr"] }, layout: { ...layout, regions: layout.regions.map((r) => (r.kind === "ticker" ? { ...r, items: lines } : r)) } });
    expect(stage.querySelector("[data-region=ticker]")).toBe(ticker); // not redrawn
    expect(ticker.dataset.empty).toBe("false");
    expect(ticker.querySelector(".ticker__run").textContent).toContain("Ligne 15 interrompue");
    expect(regions.state.regions.ticker.items).toEqual(["d1"]);
    for (const part of regions.parts) part.stop();
  });
});

describe("the console's regions text", () => {
  it("reads name:kind lines and gives departures regions the board's settings", () => {
    const board = { stops: ["IDFM:1"], lines: ["15"], modes: [] };
    expect(regionsFrom("content:content\n\n board : departures \nclock", board)).toEqual([
      { name: "content", kind: "content" },
      { name: "board", kind: "departures", stops: ["IDFM:1"], lines: ["15"], modes: [] },
      { name: "clock", kind: "clock" },
    ]);
  });
});

describe("vehicle types", () => {
  it("each type its icon, by what its id says", () => {
    expect(vehicleIcon("velib-ebike")).toBe("ebike");
    expect(vehicleIcon("velib-mechanical")).toBe("bike");
    expect(vehicleIcon("dott-scooter")).toBe("scooter");
    expect(vehicleIcon("getaround-car")).toBe("car");
    expect(vehicleIcon("cargo-bike")).toBe("bike");
  });

  it("by the type's form factor and propulsion when the count carries them, whatever its id", () => {
    expect(vehicleIconOf({ vehicle_type_id: "t1", form_factor: "bicycle", propulsion_type: "electric_assist" })).toBe("ebike");
    expect(vehicleIconOf({ vehicle_type_id: "velib-ebike", form_factor: "bicycle", propulsion_type: "human" })).toBe("bike");
    expect(vehicleIconOf({ vehicle_type_id: "t3", form_factor: "scooter_standing", propulsion_type: "electric" })).toBe("scooter");
    expect(vehicleIconOf({ vehicle_type_id: "t4", form_factor: "moped", propulsion_type: "electric" })).toBe("scooter");
    expect(vehicleIconOf({ vehicle_type_id: "t5", form_factor: "car", propulsion_type: "combustion" })).toBe("car");
    expect(vehicleIconOf({ vehicle_type_id: "cargo-ebike", form_factor: null })).toBe("ebike");
  });
});
