import { describe, expect, it } from "vitest";
import { linesText, parseLines, parseStops, stopsText } from "../../web/console/kiosk/departures.js";

describe("a source's stops and lines as text, one a line", () => {
  it("reads stops with or without an exit, and writes them back the same", () => {
    const text = "STIF:StopPoint:Q:473921: | quai-14 | Ligne 14 | metro\nIDFM:463158 | bus-pleyel | Pleyel | bus | exit-rue-pleyel\n\n";
    const stops = parseStops(text);
    expect(stops).toEqual([
      { ref: "STIF:StopPoint:Q:473921:", stop_code: "quai-14", stop_name: "Ligne 14", mode: "metro", exit_code: null },
      { ref: "IDFM:463158", stop_code: "bus-pleyel", stop_name: "Pleyel", mode: "bus", exit_code: "exit-rue-pleyel" },
    ]);
    expect(parseStops(stopsText(stops))).toEqual(stops);
  });

  it("reads lines with or without a colour", () => {
    const lines = parseLines("STIF:Line::C01384: | 14 | #62259D\nIDFM:C00153 | 153");
    expect(lines).toEqual([
      { ref: "STIF:Line::C01384:", name: "14", color: "#62259D" },
      { ref: "IDFM:C00153", name: "153", color: null },
    ]);
    expect(parseLines(linesText(lines))).toEqual(lines);
  });
});
