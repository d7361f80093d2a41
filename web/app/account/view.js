// Account: sign in with a code sent by SMS, who is signed in, sign out (here or everywhere), and
// the display settings (language, text size, contrast).

import { h } from "../../common/dom.js";
import { autonym } from "../../common/i18n.js";
import { icon } from "../../common/icons.js";
import { maskPhoneNumber, phoneSignIn } from "../../common/signin.js";
import { button, choice, whileBusy } from "../../common/ui.js";

function settings(ctx) {
  const { t, i18n, prefs, languages } = ctx;
  return h(
    "section",
    { class: "settings card", "aria-labelledby": "settings-title" },
    h("h2", { class: "card__title", id: "settings-title" }, t("display.title")),
    choice({
      legend: t("language.label"),
      name: "language",
      value: i18n.locale,
      options: languages.map((locale) => ({ value: locale, label: autonym(locale), lang: locale })),
      onChange: (locale) => i18n.setLocale(locale),
    }),
    choice({
      legend: t("display.text"),
      name: "text-size",
      value: prefs.text,
      options: [
        { value: "normal", label: t("display.textNormal") },
        { value: "large", label: t("display.textLarge") },
        { value: "larger", label: t("display.textLarger") },
      ],
      onChange: (value) => prefs.set("text", value),
    }),
    choice({
      legend: t("display.contrast"),
      name: "contrast",
      value: prefs.contrast,
      options: [
        { value: "normal", label: t("display.contrastNormal") },
        { value: "high", label: t("display.contrastHigh") },
      ],
      onChange: (value) => prefs.set("contrast", value),
    }),
  );
}

function signedIn(ctx) {
  const { t, session, toast, confirm } = ctx;
  const claims = session.claims ?? {};
  const signOut = button({
    label: t("account.signOut"),
    icon: "signout",
    dataset: { action: "sign-out" },
    onClick: async () => {
      await whileBusy(signOut, () => session.signOut());
      toast(t("account.signedOut"), { tone: "success" });
      ctx.router.navigate("/");
    },
  });
  const everywhere = button({
    label: t("account.signOutEverywhere"),
    variant: "quiet",
    dataset: { action: "sign-out-everywhere" },
    onClick: async () => {
      const sure = await confirm({
        title: t("account.signOutEverywhereTitle"),
        message: t("account.signOutEverywhereText"),
        confirmLabel: t("account.signOutEverywhere"),
        danger: true,
      });
      if (!sure) return;
      await whileBusy(everywhere, () => session.signOut({ everywhere: true }));
      toast(t("account.signedOut"), { tone: "success" });
      ctx.router.navigate("/");
    },
  });
  return h(
    "div",
    { class: "stack stack--loose" },
    h(
      "section",
      { class: "card stack", "aria-label": t("account.who") },
      h(
        "div",
        { class: "account__who" },
        icon("user"),
        h(
          "div",
          null,
          h("p", { class: "list__title" }, t("account.signedInAs")),
          h("p", { class: "ltr", id: "account-phone" }, claims.phone_number ? maskPhoneNumber(claims.phone_number) : claims.sub),
        ),
      ),
      h("p", { class: "muted" }, t("account.staySignedIn")),
      h("div", { class: "cluster" }, signOut, everywhere),
    ),
    settings(ctx),
  );
}

export default {
  id: "account",
  path: "/account",
  title: (ctx) => ctx.t(ctx.session.signedIn ? "account.title" : "account.signInTitle"),
  render(ctx) {
    const { t, session, query } = ctx;
    if (session.signedIn) {
      ctx.root.append(h("h1", { id: "view-title" }, t("account.title")), signedIn(ctx));
      return;
    }
    const next = query.next && query.next.startsWith("/") ? query.next : null;
    ctx.root.append(
      h("h1", { id: "view-title" }, t("account.signInTitle")),
      h(
        "div",
        { class: "stack stack--loose" },
        h(
          "section",
          { class: "card stack" },
          h("p", null, t(next ? "account.signInNeeded" : "account.signInWhy")),
          phoneSignIn({
            session,
            onSignedIn: () => {
              ctx.toast(t("account.welcome"), { tone: "success" });
              if (next) {
                location.hash = `#${next}`;
              } else {
                ctx.router.render();
              }
            },
          }),
        ),
        settings(ctx),
      ),
    );
  },
};
