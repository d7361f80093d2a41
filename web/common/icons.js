// Icons drawn for the project on a 24×24 grid with strokes (no icon font, no third-party set).
// icon("parcel") is decorative (aria-hidden); icon("close", {label: t("close")}) is announced.

import { svg } from "./dom.js";

// name -> list of shapes: a string is a path; {circle: [cx, cy, r]} a circle; {fill: d} a filled path.
const ICONS = {
  home: ["M3 11 12 4l9 7", "M5 9.5V20h5v-6h4v6h5V9.5"],
  parcel: ["M3 7.5 12 3l9 4.5v9L12 21l-9-4.5z", "M3 7.5 12 12l9-4.5", "M12 12v9", "M7.5 5.25l9 4.5"],
  bike: [{ circle: [5.5, 16, 3.5] }, { circle: [18.5, 16, 3.5] }, "M5.5 16 9 9h6.5l3 7", "M12 16l3.5-7", "M7.5 6H10l1 3"],
  car: ["M4 16v-3.5L6.2 7h11.6L20 12.5V16z", "M4 12.5h16", { circle: [7.5, 17, 1.75] }, { circle: [16.5, 17, 1.75] }],
  route: [{ circle: [6, 18, 2.25] }, { circle: [18, 6, 2.25] }, "M8.25 18H16a3.5 3.5 0 0 0 0-7H8a3.5 3.5 0 0 1 0-7h7.75"],
  station: [
    "M7 3h10a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z",
    "M4 11h16",
    "M8 21l1.5-3M16 21l-1.5-3",
    { circle: [8.5, 14.5, 0.6] },
    { circle: [15.5, 14.5, 0.6] },
  ],
  user: [{ circle: [12, 8, 4] }, "M4 21a8 8 0 0 1 16 0"],
  globe: [{ circle: [12, 12, 9] }, "M3 12h18", "M12 3c2.5 2.6 3.8 5.6 3.8 9s-1.3 6.4-3.8 9c-2.5-2.6-3.8-5.6-3.8-9S9.5 5.6 12 3z"],
  close: ["M6 6l12 12M18 6 6 18"],
  check: ["M5 12.5l4.5 4.5L19 7"],
  alert: ["M10.3 4.2 2.6 18a2 2 0 0 0 1.7 3h15.4a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0z", "M12 9v4.5", "M12 17.25v.01"],
  info: [{ circle: [12, 12, 9] }, "M12 11v6", "M12 7.5v.01"],
  chevron: ["M9 5l7 7-7 7"],
  back: ["M19 12H5", "M11 6l-6 6 6 6"],
  search: [{ circle: [10.5, 10.5, 6.5] }, "M20 20l-4.75-4.75"],
  locate: [{ circle: [12, 12, 3] }, { circle: [12, 12, 7.5] }, "M12 1.5v3M12 19.5v3M1.5 12h3M19.5 12h3"],
  text: ["M3.5 19 9 5h1.5L16 19", "M5.8 13.5h8", "M16.5 19l2.5-6.5 2.5 6.5", "M17.4 17h3.2"],
  contrast: [{ circle: [12, 12, 9] }, { fill: "M12 3a9 9 0 0 1 0 18z" }],
  signout: ["M14 4h4a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-4", "M9 16.5 4.5 12 9 7.5", "M4.5 12H15"],
  phone: ["M8 2.5h8a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2v-15a2 2 0 0 1 2-2z", "M11 18h2"],
  refresh: ["M20 11a8 8 0 1 0-2.35 5.65", "M20 4v7h-7"],
  pin: ["M12 21s-7-6.1-7-11.5a7 7 0 0 1 14 0C19 14.9 12 21 12 21z", { circle: [12, 9.5, 2.5] }],
  clock: [{ circle: [12, 12, 9] }, "M12 7v5l3.5 2"],
  qr: ["M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4z", "M14 14h2v2h-2zM18 18h2v2h-2zM14 18h2v2h-2zM18 14h2v2h-2z"],
  offline: ["M2 8.5a15 15 0 0 1 6-3.3", "M22 8.5a15 15 0 0 0-9.5-3.9", "M5.2 12a10 10 0 0 1 3.6-2.3", "M18.8 12a10 10 0 0 0-1.6-1.2", "M8.5 15.5a5 5 0 0 1 5.3-1", "M12 19v.01", "M3 3l18 18"],
  lock: ["M5 11h14v10H5z", "M8 11V7a4 4 0 0 1 8 0v4"],
  unlock: ["M5 11h14v10H5z", "M8 11V7a4 4 0 0 1 7.7-1.5"],
  plus: ["M12 5v14M5 12h14"],
  menu: ["M4 6h16M4 12h16M4 18h16"],
  lift: ["M5 3h14v18H5z", "M9.5 9 12 6.5 14.5 9", "M9.5 15 12 17.5 14.5 15"],
  stairs: ["M3 20h5v-5h5v-5h5V5h3"],
};
const DIRECTIONAL = new Set(["chevron", "back", "signout"]);

/** Add or replace icons (a feature's own): {name: [path d, {circle: [cx, cy, r]}, {fill: d}]}. */
export function registerIcons(icons) {
  Object.assign(ICONS, icons);
}

export function iconNames() {
  return Object.keys(ICONS);
}

/** An inline SVG icon; with `label` it is an image with that name, else hidden from assistive tech. */
export function icon(name, { label = null, className = "" } = {}) {
  const shapes = ICONS[name];
  if (!shapes) throw new Error(`unknown icon: ${name}`);
  const element = svg(
    "svg",
    {
      class: ["icon", DIRECTIONAL.has(name) && "icon--directional", className],
      viewBox: "0 0 24 24",
      focusable: "false",
      "aria-hidden": label ? null : "true",
      role: label ? "img" : null,
      "aria-label": label,
    },
    shapes.map((shape) => {
      if (typeof shape === "string") return svg("path", { d: shape });
      if (shape.circle) {
        const [cx, cy, r] = shape.circle;
        return svg("circle", { cx, cy, r });
      }
      return svg("path", { d: shape.fill, fill: "currentColor", stroke: "none" });
    }),
  );
  return element;
}
