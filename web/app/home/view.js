// Home: today at the chosen station, and a tile for each feature of the app.

import { h } from "../../common/dom.js";
import { icon } from "../../common/icons.js";
import { lineBadge } from "../../common/stations.js";
import { button, card } from "../../common/ui.js";

function stationCard(ctx) {
  const { station, t } = ctx;
  if (!station) {
    return card(
      { title: t("home.noStationTitle"), className: "station-card" },
      h("p", null, t("home.noStationText")),
      button({ label: t("stations.pick"), icon: "station", variant: "primary", onClick: () => ctx.pickStation() }),
    );
  }
  return h(
    "section",
    { class: "card station-card", "aria-labelledby": "home-station" },
    h("p", { class: "muted" }, t("home.yourStation")),
    h("h2", { class: "station-card__name", id: "home-station" }, station.name),
    h("div", { class: "cluster" }, station.lines.map(lineBadge)),
    h("div", { class: "cluster" }, h("a", { class: "button", href: "#/station" }, icon("info"), t("home.aboutStation"))),
  );
}

function tiles(ctx) {
  const features = ctx.router.navViews().filter((view) => !["home", "account"].includes(view.id));
  return h(
    "nav",
    { class: "tiles", "aria-label": ctx.t("home.features") },
    features.map((view) =>
      card(
        { href: ctx.router.href(view.nav.path ?? view.path.replace(/\/:.*$/, "")), className: "tile" },
        icon(view.nav.icon),
        h("span", { class: "tile__label" }, ctx.t(view.nav.label)),
        view.nav.description && h("span", { class: "tile__text" }, ctx.t(view.nav.description)),
      ),
    ),
  );
}

export default {
  id: "home",
  path: "/",
  title: "home.title",
  nav: { label: "home.nav", icon: "home", order: 0 },
  render(ctx) {
    const { t, i18n, session } = ctx;
    const signedIn = session.signedIn;
    ctx.root.append(
      h(
        "header",
        { class: "hero" },
        h("h1", { id: "view-title" }, t("home.greeting")),
        h("p", { class: "hero__date" }, i18n.formatDate(new Date(), { weekday: "long", day: "numeric", month: "long" })),
      ),
      h(
        "div",
        { class: "stack stack--loose" },
        stationCard(ctx),
        tiles(ctx),
        !signedIn &&
          card(
            { title: t("home.signInTitle") },
            h("p", null, t("home.signInText")),
            h("a", { class: "button button--primary", href: "#/account" }, icon("phone"), t("app.signIn")),
          ),
      ),
    );
  },
};
