// The traveller app (/app/): wires the shared layer (web/common) to this page's shell and loads
// the views of every feature (views.js). Runs as a static ES module, no build step.

import { Api } from "../common/api.js";
import { Session } from "../common/auth.js";
import { $, h, replace } from "../common/dom.js";
import { autonym, i18n, t } from "../common/i18n.js";
import { icon } from "../common/icons.js";
import { DisplayPreferences } from "../common/prefs.js";
import { Router } from "../common/router.js";
import { installReauthDialog } from "../common/signin.js";
import { pickStation, StationDirectory } from "../common/stations.js";
import { confirmDialog, liveRegions, openDialog, problemNotice, problemTitle, toast } from "../common/ui.js";
import { VIEW_MODULES } from "./views.js";

export const LANGUAGES = ["fr", "en", "ar"];

const session = new Session({ storageKey: "gare.session.app" });
const api = new Api({ session });
const stations = new StationDirectory({ api, storageKey: "gare.station" });
const prefs = new DisplayPreferences({ storageKey: "gare.display" });
const outlet = $("#outlet");

// What every view receives in ctx (besides root, params, query, signal and router).
const context = {
  api,
  session,
  i18n,
  t,
  stations,
  prefs,
  toast,
  confirm: confirmDialog,
  languages: LANGUAGES,
  get station() {
    return stations.current;
  },
  pickStation: () => choosePicker(),
};

const router = new Router({
  outlet,
  context,
  appName: "Gare numérique",
  guard: async (view, { path, query }) => {
    // A link from a kiosk or an SMS may name the station: /app/#/route?station=saint-denis-pleyel
    if (query.station && query.station !== stations.currentSlug && stations.find(query.station)) {
      stations.select(query.station);
    }
    if (view.requiresAuth && !session.signedIn) {
      return router.href("/account", { next: router.href(path, query).slice(1) });
    }
    return null;
  },
});

async function loadViews() {
  const modules = await Promise.all(VIEW_MODULES.map((load) => load()));
  const views = modules.map((module) => module.default);
  await Promise.all(views.filter((view) => view.messages).map((view) => i18n.addSource(view.messages)));
  for (const view of views) router.register(view);
}

async function choosePicker() {
  if (!stations.stations.length) {
    try {
      await stations.load();
    } catch (error) {
      toast(problemTitle(error), { tone: "danger" });
      return null;
    }
  }
  const slug = await pickStation(stations);
  if (slug) stations.select(slug);
  return slug;
}

function chooseLanguage() {
  const { close, closed } = openDialog({
    title: t("language.label"),
    sheet: true,
    body: h(
      "ul",
      { class: "list", "aria-label": t("language.label") },
      LANGUAGES.map((locale) =>
        h(
          "li",
          { class: "list__item" },
          h(
            "button",
            {
              type: "button",
              class: "list__action",
              lang: locale,
              dir: locale === "ar" ? "rtl" : "ltr",
              "aria-current": locale === i18n.locale ? "true" : null,
              dataset: { locale },
              onClick: () => close(locale),
            },
            h("span", { class: "list__body list__title" }, autonym(locale)),
            locale === i18n.locale && icon("check"),
          ),
        ),
      ),
    ),
  });
  closed.then((locale) => locale && locale !== i18n.locale && i18n.setLocale(locale));
}

function renderHeader() {
  i18n.translate(document);
  const station = stations.current;
  const stationButton = $("#station-button");
  replace(
    stationButton,
    icon("station"),
    h("span", { class: "appbar__station-label", id: "station-label" }, station ? station.name : t("stations.pick")),
    icon("chevron"),
  );
  stationButton.setAttribute("aria-label", station ? t("app.stationButton", { name: station.name }) : t("stations.pick"));
  const languageButton = $("#language-button");
  replace(languageButton, icon("globe"), h("span", { class: "language-code", "aria-hidden": "true" }, i18n.locale.toUpperCase()));
  languageButton.setAttribute("aria-label", t("app.languageButton", { code: i18n.locale.toUpperCase(), language: autonym(i18n.locale) }));
  languageButton.title = t("language.label");
  const account = $("#account-link");
  replace(account, icon("user"));
  const accountLabel = session.signedIn ? t("app.accountSignedIn") : t("app.signIn");
  account.setAttribute("aria-label", accountLabel);
  account.title = accountLabel;
}

function renderNav() {
  const current = router.current?.view.id;
  const items = router.navViews().map((view) =>
    h(
      "li",
      null,
      h(
        "a",
        {
          class: "tabbar__link",
          href: router.href(view.nav.path ?? view.path.replace(/\/:.*$/, "")),
          "aria-current": view.id === current ? "page" : null,
          dataset: { view: view.id },
        },
        icon(view.nav.icon),
        h("span", null, t(view.nav.label)),
      ),
    ),
  );
  replace($("#tabbar"), h("ul", { class: "tabbar__list" }, items));
  $("#account-link").setAttribute("aria-current", current === "account" ? "page" : "false");
}

async function main() {
  liveRegions();
  await i18n.start({ supported: LANGUAGES });
  await i18n.addSource(new URL("./i18n/", import.meta.url));
  installReauthDialog(session, { kind: "phone" });
  await loadViews();
  try {
    await stations.load();
  } catch (error) {
    console.warn("station directory unavailable", error); // views show it; the shell still works
  }
  renderHeader();

  $("#station-button").addEventListener("click", () => choosePicker());
  $("#language-button").addEventListener("click", chooseLanguage);
  $("#skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    $("#main").focus();
  });
  router.addEventListener("navigate", renderNav);
  i18n.addEventListener("change", () => {
    renderHeader();
    renderNav();
    router.render({ keepFocus: true });
  });
  stations.addEventListener("change", () => {
    renderHeader();
    router.render({ keepFocus: true });
  });
  session.addEventListener("change", (/** @type {CustomEvent} */ event) => {
    renderHeader();
    const { reason } = event.detail;
    // Signed out here or in another tab: a view that needs a sign-in gives way to the sign-in.
    // (An ended sign-in does not re-render: the sign-in dialog comes over the view, which stays.)
    if ((reason === "signout" || reason === "storage") && !session.signedIn && router.current?.view.requiresAuth) {
      router.render();
    }
  });
  await router.start();
  document.documentElement.dataset.ready = "true";
}

main().catch((error) => {
  console.error(error);
  replace(outlet, problemNotice(error, { onRetry: () => location.reload() }));
});

// The page's instances, for the browser tests and the console of a curious developer.
export { api, prefs, router, session, stations };
