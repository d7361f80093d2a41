// The operator console (/console/): signs staff in with their password, keeps them to the stations
// their account covers, and loads each section's views (views.js). Static ES modules on the shared
// layer (web/common), no build step.

import { Api } from "../common/api.js";
import { Session } from "../common/auth.js";
import { $, h, replace } from "../common/dom.js";
import { autonym, i18n, t } from "../common/i18n.js";
import { icon } from "../common/icons.js";
import { Router } from "../common/router.js";
import { installReauthDialog } from "../common/signin.js";
import { pickStation, StationDirectory } from "../common/stations.js";
import { confirmDialog, liveRegions, problemNotice, problemTitle, toast } from "../common/ui.js";
import { VIEW_MODULES } from "./views.js";

export const LANGUAGES = ["fr", "en"];
export const SESSION_KEY = "gare.session.console";

const session = new Session({ storageKey: SESSION_KEY });
const api = new Api({ session });

/** The stations an account may act on: its token's `stations` claim ("*" for admins). */
export function coversStation(claims, slug) {
  const stations = claims?.stations ?? [];
  return stations.includes("*") || stations.includes(slug);
}

const stations = new StationDirectory({ api, storageKey: "gare.console.station", allow: (station) => coversStation(session.claims, station.slug) });
const outlet = $("#outlet");

const context = {
  api,
  session,
  i18n,
  t,
  stations,
  toast,
  confirm: confirmDialog,
  get station() {
    return stations.current;
  },
  pickStation: () => choosePicker(),
  loadStations: () => loadStations(),
};

const router = new Router({
  outlet,
  context,
  appName: "Console · Gare numérique",
  guard: async (view, { path, query }) => {
    if (view.public) return null;
    if (!session.signedIn) return router.href("/signin", { next: router.href(path, query).slice(1) });
    if (view.needsStation === false) return null;
    await loadStations(); // just signed in: the account's stations may still be on their way
    // A link may name the station (?station=...): only one of the operator's.
    if (query.station && query.station !== stations.currentSlug) {
      if (stations.find(query.station)) stations.select(query.station);
      else return router.href("/forbidden", { station: query.station });
    }
    if (!stations.current) return router.href("/stations", { next: router.href(path, query).slice(1) });
    return null;
  },
});

/** The account's stations, read once per sign-in (fresh: read again, after a new sign-in). */
let stationsLoaded = null;
function loadStations({ fresh = false } = {}) {
  if (fresh || !stationsLoaded) {
    stationsLoaded = stations.load().catch((error) => {
      stationsLoaded = null;
      toast(problemTitle(error), { tone: "danger" });
      return [];
    });
  }
  return stationsLoaded;
}

async function loadViews() {
  const modules = await Promise.all(VIEW_MODULES.map((load) => load()));
  const views = modules.map((module) => module.default).flat();
  await Promise.all(views.filter((view) => view.messages).map((view) => i18n.addSource(view.messages)));
  for (const view of views) router.register(view);
}

async function choosePicker() {
  await loadStations();
  const slug = await pickStation(stations);
  if (slug) stations.select(slug);
  return slug;
}

function renderHeader() {
  i18n.translate(document);
  const signedIn = session.signedIn;
  const station = stations.current;
  const stationButton = $("#station-button");
  stationButton.hidden = !signedIn;
  replace(stationButton, icon("station"), h("span", { id: "station-label" }, station ? station.name : t("stations.pick")), stations.stations.length > 1 && icon("chevron"));
  stationButton.setAttribute("aria-label", station ? t("console.stationButton", { name: station.name }) : t("stations.pick"));
  const next = LANGUAGES.find((locale) => locale !== i18n.locale);
  const languageButton = $("#language-button");
  replace(languageButton, icon("globe"), h("span", { lang: next }, autonym(next)));
  languageButton.dataset.locale = next;
  const user = $("#user-name");
  user.hidden = !signedIn;
  const claims = session.claims;
  replace(user, icon("user"), h("span", null, String(claims?.sub ?? "").split(":").slice(1).join(":")), claims?.role && h("span", { class: "badge" }, t(`console.role.${claims.role}`)));
  const signout = $("#signout-button");
  signout.hidden = !signedIn;
  replace(signout, icon("signout"), h("span", null, t("console.signOut")));
}

function renderNav() {
  const nav = $("#sidenav");
  nav.hidden = !session.signedIn;
  const current = router.current?.path ?? "/";
  const items = router.navViews().map((view) => {
    const path = view.nav.path ?? view.path.replace(/\/:.*$/, "");
    const active = path === "/" ? current === "/" : current === path || current.startsWith(`${path}/`);
    return h(
      "li",
      null,
      h("a", { class: "sidenav__link", href: router.href(path), "aria-current": active ? "page" : null, dataset: { section: path.split("/")[1] || "dashboard" } }, icon(view.nav.icon), h("span", null, t(view.nav.label))),
    );
  });
  replace(nav, h("ul", { class: "sidenav__list" }, items));
}

async function signOut() {
  const ok = await confirmDialog({ title: t("console.signOutTitle"), message: t("console.signOutText"), confirmLabel: t("console.signOut") });
  if (!ok) return;
  await session.signOut();
  router.navigate("/signin");
}

async function main() {
  liveRegions();
  await i18n.start({ supported: LANGUAGES, storageKey: "gare.console.locale" });
  await i18n.addSource(new URL("./i18n/", import.meta.url));
  installReauthDialog(session, { kind: "password" });
  await loadViews();
  if (session.signedIn) await loadStations();
  renderHeader();

  $("#station-button").addEventListener("click", () => choosePicker());
  $("#language-button").addEventListener("click", (event) => i18n.setLocale(event.currentTarget.dataset.locale));
  $("#signout-button").addEventListener("click", signOut);
  $("#skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("#main").focus();
  });
  router.addEventListener("navigate", () => {
    renderNav();
    renderHeader();
  });
  i18n.addEventListener("change", () => {
    renderHeader();
    renderNav();
    router.render({ keepFocus: true });
  });
  stations.addEventListener("change", () => {
    renderHeader();
    router.render({ keepFocus: true });
  });
  session.addEventListener("change", async (/** @type {CustomEvent} */ event) => {
    const { reason } = event.detail;
    if (reason === "signin" || reason === "storage") await loadStations({ fresh: true });
    renderHeader();
    renderNav();
    // Signed out here or in another tab: the sign-in page. (An ended sign-in does not re-render:
    // the sign-in dialog comes over the view, so a half-filled form stays as it was.)
    if ((reason === "signout" || reason === "storage") && !session.signedIn) router.navigate("/signin");
  });
  await router.start();
  document.documentElement.dataset.ready = "true";
}

main().catch((error) => {
  console.error(error);
  replace(outlet, problemNotice(error, { onRetry: () => location.reload() }));
});

// The page's instances, for the browser tests and a curious developer's console.
export { api, router, session, stations };
