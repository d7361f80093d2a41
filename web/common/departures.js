// The departures board and the way out, as the kiosk and the app show them: pure functions over the
// kiosk service's answers (GET .../kiosk/departures, .../kiosk/search, .../kiosk/route), no DOM.

/**
 * @typedef {{ destination: string, aimed_at: string, expected_at: string | null, delay_seconds: number | null, status: "on_time" | "delayed" | "cancelled", platform?: string | null }} Departure
 * @typedef {{ stop_code: string, stop_name: string, mode: string, line: string, line_color?: string | null, direction?: string | null, exit_code?: string | null, departures: Departure[] }} Board
 * @typedef {{ station_id: string, generated_at: string, boards: Board[], sources?: unknown[] }} DeparturesAnswer
 * @typedef {{ line: string, mode: string, color: string | null, direction: string, destination: string, stop: string, exitCode: string | null, minutes: number | null, status: string, delayMinutes: number, platform: string | null, at: number }} BoardRow
 * @typedef {{ exit_code: string, code: string, kind: string, name: string, lines: string[], walking_m: number, walking_s: number }} Destination
 */

/** Modes in the order a board lists them: the heavy lines first, then surface transport. */
const MODE_ORDER = ["metro", "rer", "train", "tram", "bus"];

/**
 * Minutes from `now` to an instant (rounded down; 0 means "now, at the platform").
 * @param {string} iso
 * @param {number} now milliseconds
 * @returns {number}
 */
export function minutesUntil(iso, now) {
  return Math.max(0, Math.floor((Date.parse(iso) - now) / 60000));
}

/**
 * The rows of a board: every departure still to come (a cancelled one stays, marked), the next
 * ones first within each mode, at most `perLine` per line and direction, at most `limit` in all.
 * @param {DeparturesAnswer | null | undefined} answer
 * @param {number} now milliseconds
 * @param {{ perLine?: number, limit?: number }} [options]
 * @returns {BoardRow[]}
 */
export function boardRows(answer, now, { perLine = 2, limit = 12 } = {}) {
  if (!answer || !Array.isArray(answer.boards)) return [];
  /** @type {BoardRow[]} */
  const rows = [];
  for (const board of answer.boards) {
    const upcoming = (board.departures ?? [])
      .map((departure) => ({ departure, at: Date.parse(departure.expected_at ?? departure.aimed_at) }))
      .filter(({ at }) => Number.isFinite(at) && at >= now - 30_000)
      .sort((a, b) => a.at - b.at)
      .slice(0, perLine);
    for (const { departure, at } of upcoming) {
      const cancelled = departure.status === "cancelled";
      rows.push({
        line: board.line,
        mode: board.mode,
        color: board.line_color ?? null,
        direction: board.direction ?? departure.destination,
        destination: departure.destination,
        stop: board.stop_name,
        exitCode: board.exit_code ?? null,
        minutes: cancelled ? null : minutesUntil(new Date(at).toISOString(), now),
        status: departure.status,
        delayMinutes: Math.max(0, Math.round((departure.delay_seconds ?? 0) / 60)),
        platform: departure.platform ?? null,
        at,
      });
    }
  }
  const rank = (/** @type {string} */ mode) => {
    const index = MODE_ORDER.indexOf(mode);
    return index < 0 ? MODE_ORDER.length : index;
  };
  rows.sort((a, b) => rank(a.mode) - rank(b.mode) || a.at - b.at || a.line.localeCompare(b.line));
  return rows.slice(0, limit);
}

/**
 * A text colour readable on the line's colour (WCAG relative luminance), for the line's badge.
 * @param {string | null} background "#RRGGBB" or "RRGGBB"
 * @returns {string}
 */
export function textOn(background) {
  const match = /^#?([0-9a-f]{6})$/i.exec(background ?? "");
  if (!match) return "#ffffff";
  const channels = [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast against white vs. against black: pick the larger.
  return (1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05) ? "#ffffff" : "#000000";
}

/**
 * Round metres the way a sign says them: "140 m", "1.2 km".
 * @param {number} metres
 * @param {string} [locale]
 * @returns {string}
 */
export function distanceText(metres, locale = "fr") {
  if (metres < 1000) return `${Math.max(10, Math.round(metres / 10) * 10)} m`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(metres / 1000)} km`;
}

/**
 * Walking minutes, at least one.
 * @param {number} seconds
 * @returns {number}
 */
export function walkingMinutes(seconds) {
  return Math.max(1, Math.round(seconds / 60));
}

/**
 * A number with its Latin unit kept in its order inside a right-to-left sentence ("510 m", not
 * "m 510"): wrapped in a left-to-right isolate (Unicode bidi LRI … PDI).
 * @param {string} text
 * @returns {string}
 */
export function isolated(text) {
  return `\u2066${text}\u2069`;
}
