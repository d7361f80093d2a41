// Signing in to the console (staff password), choosing a station among the account's, and the
// page shown when a link names a station the account does not cover.

import { h } from "../../common/dom.js";
import { icon } from "../../common/icons.js";
import { passwordSignIn } from "../../common/signin.js";
import { lineBadge } from "../../common/stations.js";
import { pageHeader } from "../kit.js";

/** Where to go after signing in or choosing: the `next` of the query, when it is a console route. */
function nextRoute(ctx) {
  const next = ctx.query.next ?? "";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/signin") ? next : "/";
}

function go(ctx, route) {
  const [path, search = ""] = route.split("?");
  ctx.router.navigate(path, Object.fromEntries(new URLSearchParams(search)), { replace: true });
}

const signIn = {
  id: "signin",
  path: "/signin",
  title: "console.signInTitle",
  public: true,
  needsStation: false,
  render(ctx) {
    if (ctx.session.signedIn) return go(ctx, nextRoute(ctx));
    const formElement = passwordSignIn({
      session: ctx.session,
      onSignedIn: async (claims) => {
        if (!claims?.scope?.split(" ").includes("station:operate")) {
          await ctx.session.signOut();
          ctx.toast(ctx.t("console.notStaff"), { tone: "danger" });
          return;
        }
        go(ctx, nextRoute(ctx));
      },
    });
    ctx.root.classList.add("signin-page");
    ctx.root.append(
      h(
        "div",
        { class: "card signin-card stack" },
        h("h1", { id: "view-title", tabindex: "-1" }, ctx.t("console.signInTitle")),
        h("p", { class: "muted" }, ctx.t("console.signInLead")),
        formElement,
      ),
    );
  },
};

const chooseStation = {
  id: "stations",
  path: "/stations",
  title: "console.stationsTitle",
  needsStation: false,
  async render(ctx) {
    const allowed = await ctx.loadStations();
    ctx.root.append(pageHeader({ title: ctx.t("console.stationsTitle"), lead: ctx.t("console.stationsLead") }));
    if (!allowed.length) {
      ctx.root.append(h("p", { class: "notice notice--warning", role: "status" }, icon("alert"), h("span", null, ctx.t("console.noStations"))));
      return;
    }
    ctx.root.append(
      h(
        "ul",
        { class: "station-cards", "aria-label": ctx.t("console.stationsTitle") },
        allowed.map((station) =>
          h(
            "li",
            null,
            h(
              "button",
              {
                type: "button",
                class: "card station-card",
                dataset: { slug: station.slug },
                onClick: () => {
                  ctx.stations.select(station.slug);
                  go(ctx, nextRoute(ctx));
                },
              },
              h("span", { class: "station-card__name" }, station.name),
              h("span", { class: "cluster" }, station.lines.map(lineBadge)),
            ),
          ),
        ),
      ),
    );
  },
};

const forbidden = {
  id: "forbidden",
  path: "/forbidden",
  title: "console.forbiddenTitle",
  needsStation: false,
  render(ctx) {
    const slug = ctx.query.station ?? "";
    ctx.root.append(
      pageHeader({ title: ctx.t("console.forbiddenTitle") }),
      h(
        "div",
        { class: "notice notice--danger", role: "alert", dataset: { station: slug } },
        icon("lock"),
        h("div", { class: "notice__body" }, h("p", { class: "notice__title" }, ctx.t("console.forbiddenText", { station: slug })), h("p", null, h("a", { href: ctx.router.href("/stations") }, ctx.t("console.yourStations")))),
      ),
    );
  },
};

export default [signIn, chooseStation, forbidden];
