// The station's levels (GTFS levels: 0 the street, negative underground), from the street down:
// create, rename, re-index, delete (the service refuses while places are on the level).

import { h, replace } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button, problemNotice } from "../../common/ui.js";
import { dataTable, formDialog, pageHeader, panel, savedToast } from "../kit.js";
import { kioskApi, nameFields, namesFrom, nameValues, tabs } from "./common.js";

function editLevel(ctx, level = null) {
  const kiosk = kioskApi(ctx);
  return formDialog({
    title: level ? ctx.t("kiosk.level.editTitle", { name: level.name }) : ctx.t("kiosk.level.createTitle"),
    wide: true,
    fields: [
      !level && { name: "code", label: ctx.t("kiosk.code"), hint: ctx.t("kiosk.codeHint"), required: true, spellcheck: "false" },
      { name: "index", type: "number", label: ctx.t("kiosk.level.index"), hint: ctx.t("kiosk.level.indexHint"), min: -20, max: 20, step: "any", required: true },
      ...nameFields(ctx),
    ].filter(Boolean),
    values: level ? { index: level.index, ...nameValues(level.names) } : {},
    submitLabel: level ? ctx.t("console.save") : ctx.t("console.create"),
    onSubmit: (values) => {
      const body = { index: values.index, names: namesFrom(values) };
      return level ? kiosk.patch(`/levels/${encodeURIComponent(level.code)}`, body) : kiosk.post("/levels", { code: values.code, ...body });
    },
  });
}

export default {
  id: "kiosk-levels",
  path: "/kiosk/levels",
  title: "kiosk.levels.title",
  async render(ctx) {
    const kiosk = kioskApi(ctx);
    const levels = await allItems(kiosk, "/levels", { query: { lang: ctx.i18n.locale.split("-")[0] } });
    // From the street down, whatever order the list is paged in.
    levels.sort((a, b) => b.index - a.index);
    const problem = h("div", { id: "levels-problem" });
    const remove = async (level) => {
      const sure = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: level.name }), message: ctx.t("kiosk.level.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
      if (!sure) return;
      try {
        await kiosk.delete(`/levels/${encodeURIComponent(level.code)}`);
        ctx.toast(ctx.t("console.deleted"), { tone: "success" });
        ctx.router.render();
      } catch (error) {
        if (error?.name !== "AbortError") replace(problem, problemNotice(error));
      }
    };
    const saved = (result) => result && (savedToast(ctx), ctx.router.render());
    ctx.root.append(
      pageHeader({ title: ctx.t("kiosk.levels.title"), lead: ctx.t("kiosk.levels.lead"), actions: [button({ label: ctx.t("kiosk.level.create"), icon: "plus", variant: "primary", id: "create-level", onClick: async () => saved(await editLevel(ctx)) })] }),
      tabs(ctx),
      panel(
        { title: ctx.t("kiosk.levels.listTitle"), id: "levels" },
        problem,
        dataTable({
          caption: ctx.t("kiosk.levels.listTitle"),
          rows: levels,
          columns: [
            { label: ctx.t("kiosk.place.name"), render: (level) => level.name },
            { label: ctx.t("kiosk.code"), render: (level) => h("span", { class: "mono" }, level.code) },
            { label: ctx.t("kiosk.level.index"), numeric: true, render: (level) => ctx.i18n.formatNumber(level.index) },
            { label: ctx.t("kiosk.places.tab"), render: (level) => h("a", { href: ctx.router.href("/kiosk/places", { level: level.code }) }, ctx.t("kiosk.level.places")) },
            {
              label: ctx.t("console.actions"),
              render: (level) =>
                h(
                  "div",
                  { class: "cluster" },
                  button({ label: ctx.t("console.edit"), dataset: { action: "edit" }, "aria-label": ctx.t("kiosk.editNamed", { name: level.name }), onClick: async () => saved(await editLevel(ctx, level)) }),
                  button({ label: ctx.t("console.delete"), dataset: { action: "delete" }, "aria-label": ctx.t("kiosk.deleteNamed", { name: level.name }), onClick: () => remove(level) }),
                ),
            },
          ],
        }),
      ),
    );
  },
};
