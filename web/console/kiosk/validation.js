// What the graph allows but a traveller would suffer (GET /graph/validation): platforms or exits
// unreachable under a profile, and one-way traps. Shown under the list of places, where they are
// fixed.

import { h, replace } from "../../common/dom.js";
import { problemNotice } from "../../common/ui.js";
import { dataTable, panel, stateBadge } from "../kit.js";
import { kioskApi, placeLink } from "./common.js";

export function validationPanel(ctx) {
  const body = h("div", { class: "panel__body" }, h("p", { class: "muted" }, ctx.t("common.loading")));
  kioskApi(ctx)
    .get("/graph/validation")
    .then((report) => {
      body.dataset.warnings = String(report.warnings.length);
      replace(
        body,
        h("p", { id: "graph-counts" }, ctx.t("kiosk.validation.counts", { levels: report.levels, places: report.places, pathways: report.pathways })),
        report.warnings.length === 0
          ? h("p", { class: "icon-text" }, stateBadge("ok", ctx.t("kiosk.validation.ok")))
          : dataTable({
              caption: ctx.t("kiosk.validation.title"),
              rows: report.warnings,
              rowKey: (warning) => `${warning.kind}:${warning.place_code}:${warning.profile}`,
              columns: [
                { label: ctx.t("kiosk.validation.place"), render: (warning) => placeLink(ctx, warning.place_code) },
                { label: ctx.t("kiosk.validation.kind"), render: (warning) => stateBadge("degraded", ctx.t(`kiosk.validation.${warning.kind}`)) },
                { label: ctx.t("kiosk.route.profile"), render: (warning) => (warning.profile ? ctx.t(`kiosk.profile.${warning.profile}`) : "—") },
                { label: ctx.t("kiosk.validation.message"), render: (warning) => h("span", { lang: "en" }, warning.message) },
              ],
            }),
      );
    })
    .catch((error) => error?.name !== "AbortError" && replace(body, problemNotice(error)));
  return panel({ title: ctx.t("kiosk.validation.title"), id: "validation" }, body);
}
