// What the kiosk section's views share: the section's tabs, the service's vocabularies (kinds of
// places, pathway modes, profiles, languages) as options, and the names-per-language fields of a form.

import { h } from "../../common/dom.js";
import { autonym, i18n } from "../../common/i18n.js";
import { sectionTabs, serviceApi } from "../kit.js";

export const KINDS = [
  "entrance_exit", "platform", "hall", "fare_gate", "lift", "escalator", "travelator", "stairs", "locker_bank",
  "vehicle_station", "toilets", "ticket_office", "information", "shop", "food", "service", "node",
];
export const MODES = ["walkway", "stairs", "travelator", "escalator", "lift", "fare_gate", "exit_gate"];
export const PROFILES = ["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"];
// The kiosk's eight languages: names may be given in each, routes are explained in each.
export const LANGUAGES = ["fr", "en", "es", "de", "it", "pt", "zh", "ar"];
// What may be put out of service (the API refuses any other kind).
export const EQUIPMENT_KINDS = ["lift", "escalator", "travelator", "fare_gate"];

export const kioskApi = (ctx) => serviceApi(ctx, "kiosk");

export function tabs(ctx) {
  return sectionTabs(ctx, {
    label: ctx.t("kiosk.tabs"),
    items: [
      { id: "equipment", path: "/kiosk/equipment", label: ctx.t("kiosk.equipment.tab") },
      { id: "route", path: "/kiosk/route", label: ctx.t("kiosk.route.tab") },
      { id: "places", path: "/kiosk/places", label: ctx.t("kiosk.places.tab") },
      { id: "pathways", path: "/kiosk/pathways", label: ctx.t("kiosk.pathways.tab") },
      { id: "levels", path: "/kiosk/levels", label: ctx.t("kiosk.levels.tab") },
      { id: "exits", path: "/kiosk/exits", label: ctx.t("kiosk.exits.tab") },
      { id: "departures", path: "/kiosk/departures", label: ctx.t("kiosk.departures.tab") },
    ],
  });
}

export const kindOptions = (ctx) => KINDS.map((kind) => ({ value: kind, label: ctx.t(`kiosk.kind.${kind}`) }));
export const modeOptions = (ctx) => MODES.map((mode) => ({ value: mode, label: ctx.t(`kiosk.mode.${mode}`) }));
export const profileOptions = (ctx) => PROFILES.map((profile) => ({ value: profile, label: ctx.t(`kiosk.profile.${profile}`) }));
export const languageOptions = () => LANGUAGES.map((tag) => ({ value: tag, label: autonym(tag) }));
export const levelOptions = (levels) => levels.map((level) => ({ value: level.code, label: `${level.name} (${level.code})` }));

/** Places as options, named and coded, nodes last (they have no name a traveller would use). */
export function placeOptions(places) {
  return [...places]
    .sort((a, b) => Number(a.kind === "node") - Number(b.kind === "node") || a.name.localeCompare(b.name, i18n.locale))
    .map((place) => ({ value: place.code, label: `${place.name} (${place.code})` }));
}

/**
 * The station's map in the console's language: levels, places and pathways, for choosing and naming.
 * Revalidated every time: the kiosks may reuse it for a few seconds, an operator who just added a
 * place may not.
 */
export function loadMap(ctx, lang = i18n.locale.split("-")[0]) {
  return kioskApi(ctx).get("/map", { query: { lang }, headers: { "Cache-Control": "no-cache" } });
}

/** One text field per language for a `names` object; French (the station's language) is required. */
export function nameFields(ctx) {
  return LANGUAGES.map((tag) => ({
    name: `name_${tag}`,
    label: ctx.t("kiosk.nameIn", { language: autonym(tag) }),
    required: tag === "fr",
    lang: tag,
    dir: tag === "ar" ? "rtl" : null,
    errorKeys: [`names.${tag}`, ...(tag === "fr" ? ["names"] : [])],
  }));
}

export const nameValues = (names = {}) => Object.fromEntries(LANGUAGES.map((tag) => [`name_${tag}`, names[tag] ?? ""]));
export const namesFrom = (values) => Object.fromEntries(LANGUAGES.filter((tag) => values[`name_${tag}`]).map((tag) => [tag, values[`name_${tag}`]]));

/** A place's code and name as a link to its page. */
export function placeLink(ctx, code, name) {
  return h("a", { href: ctx.router.href(`/kiosk/places/${encodeURIComponent(code)}`) }, name ?? code, name ? [" ", h("span", { class: "mono muted" }, code)] : null);
}
