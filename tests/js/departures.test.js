import { afterEach, describe, expect, it, vi } from "vitest";
import { boardRows, distanceText, isolated, minutesUntil, textOn, walkingMinutes } from "../../web/common/departures.js";
import { IDLE_SECONDS, IdleWatch, idleDelay } from "../../web/kiosk/idle.js";

const NOW = Date.parse("2026-12-07T08:00:00Z");
const at = (minutes) => new Date(NOW + minutes * 60000).toISOString();

const answer = {
  station_id: "saint-denis-pleyel",
  generated_at: at(0),
  boards: [
    {
      stop_code: "bus-pleyel",
      stop_name: "Carrefour Pleyel",
      mode: "bus",
      line: "153",
      line_color: "#FFCD00",
      direction: "Porte de la Chapelle",
      exit_code: "exit-rue-pleyel",
      departures: [
        { destination: "Porte de la Chapelle", aimed_at: at(9), expected_at: at(9), delay_seconds: 0, status: "on_time" },
        { destination: "Porte de la Chapelle", aimed_at: at(2), expected_at: at(4), delay_seconds: 120, status: "delayed" },
        { destination: "Porte de la Chapelle", aimed_at: at(20), expected_at: null, delay_seconds: null, status: "on_time" },
      ],
    },
    {
      stop_code: "quai-14",
      stop_name: "Saint-Denis – Pleyel",
      mode: "metro",
      line: "14",
      line_color: "#62259D",
      direction: "Aéroport d'Orly",
      exit_code: null,
      departures: [
        { destination: "Aéroport d'Orly", aimed_at: at(-5), expected_at: at(-5), delay_seconds: 0, status: "on_time" },
        { destination: "Aéroport d'Orly", aimed_at: at(3), expected_at: null, delay_seconds: null, status: "cancelled" },
        { destination: "Aéroport d'Orly", aimed_at: at(6), expected_at: at(6), delay_seconds: 0, status: "on_time" },
      ],
    },
  ],
  sources: [],
};

describe("departures board", () => {
  it("lists what is still to come, metro before bus, the next first, two per line", () => {
    const rows = boardRows(answer, NOW);
    expect(rows.map((r) => [r.line, r.minutes, r.status])).toEqual([
      ["14", null, "cancelled"],
      ["14", 6, "on_time"],
      ["153", 4, "delayed"],
      ["153", 9, "on_time"],
    ]);
    expect(rows[2].delayMinutes).toBe(2);
    expect(rows[2].exitCode).toBe("exit-rue-pleyel");
  });

  it("is empty, not broken, without an answer or with a strange one", () => {
    expect(boardRows(null, NOW)).toEqual([]);
    expect(boardRows(/** @type {any} */ ({ boards: "nope" }), NOW)).toEqual([]);
    expect(boardRows({ ...answer, boards: [{ ...answer.boards[0], departures: [{ aimed_at: "garbage" }] }] }, NOW)).toEqual([]);
  });

  it("keeps to its limit", () => {
    expect(boardRows(answer, NOW, { limit: 1, perLine: 5 })).toHaveLength(1);
  });

  it("counts minutes down, never below zero", () => {
    expect(minutesUntil(at(2.5), NOW)).toBe(2);
    expect(minutesUntil(at(-1), NOW)).toBe(0);
  });

  it("writes a line's number in black or white, whichever reads on its colour", () => {
    expect(textOn("#FFCD00")).toBe("#000000");
    expect(textOn("#62259D")).toBe("#ffffff");
    expect(textOn(null)).toBe("#ffffff");
  });
});

describe("the way out", () => {
  it("says distances as signs do", () => {
    expect(distanceText(143)).toBe("140 m");
    expect(distanceText(3)).toBe("10 m");
    expect(distanceText(1234, "fr")).toBe("1,2 km");
    expect(distanceText(1234, "en")).toBe("1.2 km");
    expect(isolated("510 m")).toBe("\u2066510 m\u2069");
    expect(walkingMinutes(20)).toBe(1);
    expect(walkingMinutes(200)).toBe(3);
  });
});

describe("idle watch", () => {
  afterEach(() => vi.useRealTimers());

  it("takes its wait from the address, within bounds", () => {
    expect(idleDelay("?idle=3")).toBe(3000);
    expect(idleDelay("")).toBe(IDLE_SECONDS * 1000);
    expect(idleDelay("?idle=0")).toBe(IDLE_SECONDS * 1000);
    expect(idleDelay("?idle=abc")).toBe(IDLE_SECONDS * 1000);
  });

  it("goes back to the start once nobody touched it for the wait, and a touch starts it anew", () => {
    vi.useFakeTimers();
    const onIdle = vi.fn();
    const watch = new IdleWatch(60000, onIdle);
    watch.touch();
    vi.advanceTimersByTime(59000);
    watch.touch();
    vi.advanceTimersByTime(59000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(watch.armed).toBe(false);
    watch.touch();
    watch.stop();
    vi.advanceTimersByTime(120000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });
});
