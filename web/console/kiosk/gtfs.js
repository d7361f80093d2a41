// The whole station graph as GTFS (levels, stops, pathways, translations): download it to edit it in
// a GTFS tool, or replace the graph with a feed. A feed with broken references is refused whole
// and nothing changes; the service says what is broken, shown here line by line.

import { h } from "../../common/dom.js";
import { field, problemNotice, whileBusy } from "../../common/ui.js";
import { panel } from "../kit.js";
import { kioskApi } from "./common.js";

export function gtfsPanel(ctx) {
  const kiosk = kioskApi(ctx);
  const file = h("input", { type: "file", class: "input", name: "feed", accept: ".zip,application/zip" });
  const outcome = h("div", { id: "gtfs-outcome", role: "status" });
  const replace = h("button", { type: "submit", class: "button button--danger", dataset: { action: "import-gtfs" } }, ctx.t("kiosk.gtfs.replace"));
  const upload = h("form", { class: "stack", id: "gtfs-import" }, field({ label: ctx.t("kiosk.gtfs.file"), hint: ctx.t("kiosk.gtfs.fileHint"), control: file }), h("div", { class: "cluster" }, replace), outcome);
  upload.addEventListener("submit", async (event) => {
    event.preventDefault();
    outcome.replaceChildren();
    const feed = file.files?.[0];
    if (!feed) {
      file.focus();
      outcome.replaceChildren(h("p", { class: "field__error" }, ctx.t("kiosk.gtfs.noFile")));
      return;
    }
    const ok = await ctx.confirm({ title: ctx.t("kiosk.gtfs.confirmTitle"), message: ctx.t("kiosk.gtfs.confirmText", { file: feed.name }), confirmLabel: ctx.t("kiosk.gtfs.replace"), danger: true });
    if (!ok) return;
    try {
      const report = await whileBusy(replace, () => kiosk.put("/graph/gtfs", undefined, { body: feed, headers: { "Content-Type": "application/zip" } }));
      ctx.toast(ctx.t("kiosk.gtfs.replaced", { levels: report.levels, places: report.places, pathways: report.pathways }), { tone: "success" });
      ctx.router.render({ keepFocus: true }); // the lists and the validation, from the new graph
    } catch (error) {
      outcome.replaceChildren(problemNotice(error, { title: ctx.t("kiosk.gtfs.refused") }));
    }
  });
  const download = h("a", { class: "button", href: kiosk.path("/graph/gtfs"), download: `${ctx.station.slug}-gtfs.zip`, dataset: { action: "export-gtfs" } }, ctx.t("kiosk.gtfs.download"));
  return panel({ title: ctx.t("kiosk.gtfs.title"), id: "gtfs", actions: [download] }, h("p", { class: "muted" }, ctx.t("kiosk.gtfs.lead")), upload);
}
