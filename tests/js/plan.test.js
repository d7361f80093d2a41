// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { levelChanges, placeLabels, planSvg, projector, wrap } from "../../web/kiosk/plan.js";

const overlap = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
// A fixed-width font: each character 12 units, so that the layout does not depend on a canvas.
const measure = (text) => text.length * 12;

describe("projection", () => {
  it("fits the places inside the plan's margins, north up and east right", () => {
    const places = [
      { lat: 48.918, lon: 2.342 },
      { lat: 48.92, lon: 2.344 },
      { lat: 48.919, lon: 2.343 },
    ];
    const project = projector(places);
    const points = places.map(project);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(90 - 1e-6);
      expect(x).toBeLessThanOrEqual(1000 - 90 + 1e-6);
      expect(y).toBeGreaterThanOrEqual(90 - 1e-6);
      expect(y).toBeLessThanOrEqual(700 - 90 + 1e-6);
    }
    const [south, north, middle] = points;
    expect(north[1]).toBeLessThan(south[1]);
    expect(north[0]).toBeGreaterThan(south[0]);
    expect(middle[0]).toBeCloseTo((south[0] + north[0]) / 2, 6);
  });

  it("puts a lone place in the middle", () => {
    const [x, y] = projector([{ lat: 48.9, lon: 2.3 }])({ lat: 48.9, lon: 2.3 });
    expect([x, y]).toEqual([500, 350]);
  });
});

describe("labels", () => {
  it("keeps a short name on one line and cuts a long one at the space nearest its middle", () => {
    expect(wrap("Hall")).toEqual(["Hall"]);
    expect(wrap("Sortie 3 — Rue du Landy et avenue Wilson")).toEqual(["Sortie 3 — Rue du", "Landy et avenue Wilson"]);
    expect(wrap("Correspondance lignes 14, 15, 16 et 17")).toEqual(["Correspondance lignes", "14, 15, 16 et 17"]);
    expect(wrap("Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")).toEqual(["Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]);
  });

  it("places crowded labels without overlapping each other, the icons or the plan's edge", () => {
    const at = [
      [300, 300],
      [330, 300],
      [300, 330],
      [330, 330],
      [315, 315],
    ];
    const items = at.map((point, i) => ({ lines: [`Quai ${i}`], at: point, classes: "", code: `P${i}` }));
    const placed = placeLabels(items, at, measure);
    const icons = at.map(([x, y]) => ({ x: x - 20, y: y - 20, w: 40, h: 40 }));
    for (const [i, label] of placed.entries()) {
      expect(label.box.x).toBeGreaterThanOrEqual(2);
      expect(label.box.x + label.box.w).toBeLessThanOrEqual(998);
      for (const other of placed.slice(i + 1)) expect(overlap(label.box, other.box)).toBe(false);
      for (const icon of icons) expect(overlap(label.box, icon)).toBe(false);
    }
    // Moved away from a crowded place, a label says where it belongs with a leader line.
    expect(placed.some((label) => label.far)).toBe(true);
  });

  it("stays on the plan near its edge", () => {
    const [label] = placeLabels([{ lines: ["Sortie Nord-Est"], at: [990, 10], classes: "", code: "X" }], [[990, 10]], measure);
    expect(label.box.x + label.box.w).toBeLessThanOrEqual(998);
    expect(label.box.y).toBeGreaterThanOrEqual(2);
  });
});

const MAP = {
  levels: [
    { code: "street", name: "Rue" },
    { code: "platforms", name: "Quais" },
  ],
  places: [
    { code: "exit", kind: "entrance_exit", name: "Sortie", lat: 48.918, lon: 2.342, level_code: "street" },
    { code: "hall", kind: "hall", name: "Hall", lat: 48.919, lon: 2.343, level_code: "street" },
    { code: "lift-top", kind: "lift", name: "Ascenseur", lat: 48.9195, lon: 2.3435, level_code: "street", out_of_service: true },
    { code: "lift-bottom", kind: "lift", name: "Ascenseur", lat: 48.9195, lon: 2.3435, level_code: "platforms" },
    { code: "quai", kind: "platform", name: "Quai 15", line: "15", lat: 48.92, lon: 2.344, level_code: "platforms" },
  ],
  pathways: [
    { code: "p1", from_code: "exit", to_code: "hall", mode: "walkway" },
    { code: "p2", from_code: "hall", to_code: "lift-top", mode: "walkway" },
    { code: "p3", from_code: "lift-top", to_code: "lift-bottom", mode: "elevator" },
    { code: "p4", from_code: "lift-bottom", to_code: "quai", mode: "walkway" },
  ],
};
const ROUTE = {
  places: ["exit", "hall", "lift-top", "lift-bottom", "quai"],
  steps: [
    { level_change: "none", pathways: ["p1", "p2"] },
    { level_change: "down", pathways: ["p3"] },
    { level_change: "none", pathways: ["p4"] },
  ],
};

describe("the route's level changes", () => {
  it("numbers each change by its step and says which way it goes", () => {
    const byCode = new Map(MAP.places.map((p) => [p.code, p]));
    const { numbers, changes } = levelChanges(ROUTE, byCode);
    expect([...numbers]).toEqual([[1, 1]]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ number: 1, up: false });
    expect([changes[0].from.code, changes[0].to.code]).toEqual(["lift-top", "lift-bottom"]);
  });
});

describe("the plan of a level", () => {
  it("draws the level's places, the landing below faint, the route and its markers", () => {
    const plan = planSvg({ map: MAP, level: "street", route: ROUTE, here: "exit", to: "quai", hereLabel: "Vous êtes ici", label: "Plan", measure });
    expect(plan.getAttribute("aria-label")).toBe("Plan — Rue");
    const drawn = [...plan.querySelectorAll("g[data-place]")].map((g) => g.getAttribute("data-place"));
    expect(drawn.sort()).toEqual(["exit", "hall", "lift-bottom", "lift-top"]);
    expect(plan.querySelector('[data-place="lift-bottom"] .plan__icon--ghost')).not.toBeNull();
    expect(plan.querySelector('[data-place="lift-top"] .plan__icon--out')).not.toBeNull();
    expect([...plan.querySelectorAll(".plan__route")].map((line) => `${line.getAttribute("data-from")}>${line.getAttribute("data-to")}`)).toEqual(["exit>hall", "hall>lift-top", "lift-top>lift-bottom"]);
    expect(plan.querySelector('[data-marker="exit"]').textContent).toBe("▶");
    expect(plan.querySelector(".plan__marker--change").textContent).toBe("1");
    expect(plan.textContent).toContain("Vous êtes ici");
  });

  it("moves a landing above a place of the level aside, so that both show", () => {
    const plan = planSvg({ map: MAP, level: "platforms", measure });
    const centre = (code) => {
      const shape = plan.querySelector(`[data-place="${code}"] circle, [data-place="${code}"] rect`);
      return [Number(shape.getAttribute("cx") ?? shape.getAttribute("x")), Number(shape.getAttribute("cy") ?? shape.getAttribute("y"))];
    };
    const [bx, by] = centre("lift-bottom");
    const [tx, ty] = centre("lift-top");
    expect(Math.hypot(bx - tx, by - ty)).toBeGreaterThanOrEqual(46);
  });
});
