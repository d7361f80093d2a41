// The content library: messages in several languages, sanitised HTML, images, videos, artworks
// (the works of an exhibition, with their artist and credit) and live widgets. Listed by kind a
// page at a time, with a preview of each; files are uploaded to the station's media first.

import { h, replace } from "../../common/dom.js";
import { ApiError } from "../../common/errors.js";
import { autonym } from "../../common/i18n.js";
import { Pager } from "../../common/pages.js";
import { button } from "../../common/ui.js";
import { dataTable, formDialog, moreButton, panel, savedToast } from "../kit.js";
import { drawInto, frame, MESSAGES, signageApi } from "./shared.js";

export const KINDS = ["message", "html", "image", "video", "artwork", "widget"];
const WIDGETS = ["clock", "vehicle_availability", "next_departures", "lift_status"];
// How a message looks on screens (the API's `template`).
const TEMPLATES = ["banner", "welcome", "notice", "quote"];
// The languages offered for texts; an item's other languages are kept through an edit.
const LANGUAGES = ["fr", "en", "es", "de"];
const PAGE = 20;

const mediaUrl = (api, sha) => api.path(`/media/${sha}`);

/** What an item looks like: its image, its texts by language, its widget. */
export function preview(ctx, api, item) {
  if ((item.kind === "image" || item.kind === "artwork") && item.media) {
    return h("img", { class: "signage-thumb", src: mediaUrl(api, item.media), alt: item.title, loading: "lazy", width: 160, height: 90 });
  }
  if (item.kind === "video" && item.media) {
    return h("video", { class: "signage-thumb", src: mediaUrl(api, item.media), muted: true, preload: "metadata", "aria-label": item.title, controls: true });
  }
  const texts = item.kind === "html" ? Object.fromEntries(Object.entries(item.html).map(([lang, html]) => [lang, new DOMParser().parseFromString(html, "text/html").body.textContent])) : item.texts;
  if (item.kind === "widget") return h("span", null, ctx.t(`signage.widget.${item.widget}`));
  return h(
    "dl",
    { class: "signage-texts" },
    Object.entries(texts ?? {}).map(([lang, text]) => [h("dt", { class: "mono" }, lang.toUpperCase()), h("dd", { lang }, text)]),
  );
}

function artworkLine(item) {
  if (item.kind !== "artwork") return null;
  return h("p", { class: "muted signage-credit" }, [item.artist, item.year].filter(Boolean).join(", "), item.credit && ` · ${item.credit}`);
}

function textFields(ctx, prefix, kind) {
  return LANGUAGES.map((lang) => ({ name: `${prefix}_${lang}`, label: ctx.t("signage.content.textIn", { language: autonym(lang) }), type: "textarea", lang, rows: kind === "html" ? 4 : 2, errorKeys: [lang] }));
}

function fieldsFor(ctx, kind, { upload = false } = {}) {
  const common = [
    { name: "title", label: ctx.t("signage.content.titleField"), required: true },
    { name: "duration_seconds", label: ctx.t("signage.content.duration"), type: "number", required: true, min: 3, max: 300, hint: ctx.t("signage.content.durationHint") },
  ];
  const file = upload && { name: "file", label: ctx.t("signage.content.file"), type: "file", required: true, accept: "image/png,image/jpeg,image/webp,image/gif,video/mp4,video/webm", hint: ctx.t("signage.content.fileHint") };
  const artwork = [
    { name: "artist", label: ctx.t("signage.content.artist") },
    { name: "year", label: ctx.t("signage.content.year"), type: "number" },
    { name: "credit", label: ctx.t("signage.content.credit"), hint: ctx.t("signage.content.creditHint") },
  ];
  const template = { name: "template", label: ctx.t("signage.content.template"), type: "select", required: true, options: TEMPLATES.map((value) => ({ value, label: ctx.t(`signage.template.${value}`) })) };
  switch (kind) {
    case "message":
      return [...common, template, ...textFields(ctx, "texts", kind)];
    case "html":
      return [...common, template, ...textFields(ctx, "html", kind)];
    case "widget":
      return [...common, { name: "widget", label: ctx.t("signage.content.widget"), type: "select", required: true, options: WIDGETS.map((value) => ({ value, label: ctx.t(`signage.widget.${value}`) })) }];
    case "artwork":
      return [file, ...common, ...artwork, ...textFields(ctx, "texts", kind)].filter(Boolean);
    default:
      return [file, ...common].filter(Boolean);
  }
}

/** The form's values from an item (texts by language spread into one field each). */
function valuesOf(item) {
  const values = { ...item };
  for (const lang of LANGUAGES) {
    values[`texts_${lang}`] = item.texts?.[lang] ?? "";
    values[`html_${lang}`] = item.html?.[lang] ?? "";
  }
  return values;
}

/** The API body from the form's values; languages the form does not show are kept from `item`. */
function bodyOf(kind, values, item = {}) {
  const byLanguage = (prefix, kept = {}) => {
    const out = Object.fromEntries(Object.entries(kept).filter(([lang]) => !LANGUAGES.includes(lang)));
    for (const lang of LANGUAGES) if (values[`${prefix}_${lang}`]) out[lang] = values[`${prefix}_${lang}`];
    return out;
  };
  return {
    kind,
    title: values.title,
    duration_seconds: values.duration_seconds,
    texts: kind === "message" || kind === "artwork" ? byLanguage("texts", item.texts) : {},
    html: kind === "html" ? byLanguage("html", item.html) : {},
    media: values.media ?? item.media ?? null,
    artist: kind === "artwork" ? values.artist : null,
    year: kind === "artwork" ? values.year : null,
    credit: kind === "artwork" ? values.credit : null,
    widget: kind === "widget" ? values.widget : null,
    template: kind === "message" || kind === "html" ? values.template || "banner" : null,
  };
}

/** In the upload form, the artist, credit and texts only for an artwork. */
function showArtworkFields(root) {
  const kind = root.querySelector("[name=kind]");
  const artworkOnly = ["artist", "year", "credit", ...LANGUAGES.map((lang) => `texts_${lang}`)].map((name) => root.querySelector(`[name=${name}]`).closest(".field"));
  const show = () => {
    for (const node of artworkOnly) node.hidden = kind.value !== "artwork";
  };
  kind.addEventListener("change", show);
  show();
}

/** Upload a file's bytes to the station's media: its SHA-256 and type. */
async function upload(api, file) {
  const response = await api.fetch("/media", { method: "POST", body: file, headers: { "Content-Type": file.type || "application/octet-stream" } });
  return response.json();
}

async function render(ctx) {
  const api = signageApi(ctx);
  const kind = KINDS.includes(ctx.query.kind) ? ctx.query.kind : "";
  const list = h("div", { id: "content-list" });
  let redraw = null;

  async function create(newKind, { withFile = false } = {}) {
    const dialog = formDialog({
      title: ctx.t(withFile ? "signage.content.upload" : `signage.content.new.${newKind}`),
      fields: withFile
        ? [{ name: "kind", label: ctx.t("signage.content.kind"), type: "select", required: true, options: ["image", "video", "artwork"].map((value) => ({ value, label: ctx.t(`signage.kindName.${value}`) })) }, ...fieldsFor(ctx, "artwork", { upload: true })]
        : fieldsFor(ctx, newKind),
      values: { duration_seconds: 10, kind: "image", template: "banner" },
      submitLabel: ctx.t(withFile ? "signage.content.uploadSubmit" : "console.create"),
      wide: true,
      onSubmit: async (values) => {
        const chosen = withFile ? values.kind : newKind;
        let media = null;
        if (withFile) {
          media = await upload(api, values.file);
          if (chosen === "video" ? !media.media_type.startsWith("video/") : !media.media_type.startsWith("image/")) {
            throw new ApiError({ status: 422, title: ctx.t("signage.content.wrongType", { type: media.media_type }), errors: [{ field: "file", detail: ctx.t("signage.content.wrongType", { type: media.media_type }) }] });
          }
        }
        return api.post("/content", bodyOf(chosen, { ...values, media: media?.sha256 }));
      },
    });
    if (withFile) showArtworkFields(document.querySelector("dialog[open] form.form"));
    const created = await dialog;
    if (created) {
      savedToast(ctx);
      redraw();
    }
  }

  async function edit(item) {
    const saved = await formDialog({
      title: ctx.t("signage.content.edit", { title: item.title }),
      fields: fieldsFor(ctx, item.kind),
      values: valuesOf(item),
      wide: true,
      onSubmit: (values) => api.put(`/content/${item.id}`, bodyOf(item.kind, values, item)),
    });
    if (saved) {
      savedToast(ctx);
      redraw();
    }
  }

  async function remove(item) {
    const ok = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: item.title }), message: ctx.t("signage.content.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
    if (!ok) return;
    try {
      await api.delete(`/content/${item.id}`);
      ctx.toast(ctx.t("console.deleted"), { tone: "success" });
    } catch (error) {
      if (error instanceof ApiError && error.slug === "content-in-use") ctx.toast(ctx.t("signage.content.inUse"), { tone: "danger" });
      else throw error;
    }
    redraw();
  }

  const body = frame(ctx, {
    title: ctx.t("signage.content.title"),
    lead: ctx.t("signage.content.lead"),
    actions: [
      button({ label: ctx.t("signage.content.upload"), icon: "plus", variant: "primary", "data-action": "upload", onClick: () => create(null, { withFile: true }) }),
      button({ label: ctx.t("signage.content.new.message"), icon: "plus", "data-action": "new-message", onClick: () => create("message") }),
      button({ label: ctx.t("signage.content.new.html"), "data-action": "new-html", onClick: () => create("html") }),
      button({ label: ctx.t("signage.content.new.widget"), "data-action": "new-widget", onClick: () => create("widget") }),
    ],
  });
  const kindPicker = h(
    "select",
    { class: "select", id: "content-kind", onChange: (event) => ctx.router.navigate("/signage/content", { kind: event.target.value || null }) },
    h("option", { value: "" }, ctx.t("signage.content.allKinds")),
    KINDS.map((value) => h("option", { value, selected: value === kind }, ctx.t(`signage.kindName.${value}`))),
  );
  body.append(
    panel(
      { title: ctx.t("signage.content.library"), id: "content" },
      h("div", { class: "field field--inline" }, h("label", { class: "field__label", for: "content-kind" }, ctx.t("signage.content.kind")), kindPicker),
      list,
    ),
  );
  // The library grows page by page ("show more"); after an edit it is read again from the start, as
  // far as it was shown.
  let pager = null;
  const table = () => [
    dataTable({
      caption: ctx.t("signage.content.library"),
      rows: pager.items,
      empty: ctx.t("signage.content.none"),
      columns: [
        { label: ctx.t("signage.content.titleField"), render: (item) => [h("span", { class: "signage-item-title" }, item.title), artworkLine(item)] },
        { label: ctx.t("signage.content.kind"), render: (item) => ctx.t(`signage.kindName.${item.kind}`) },
        { label: ctx.t("signage.content.preview"), render: (item) => preview(ctx, api, item), className: "signage-preview" },
        { label: ctx.t("signage.content.duration"), render: (item) => ctx.t("signage.seconds", { count: item.duration_seconds }), numeric: true },
        {
          label: ctx.t("console.actions"),
          render: (item) =>
            h(
              "div",
              { class: "cluster" },
              button({ label: ctx.t("console.edit"), "data-action": "edit", "aria-label": ctx.t("signage.content.editNamed", { title: item.title }), onClick: () => edit(item) }),
              button({ label: ctx.t("console.delete"), variant: "danger", "data-action": "delete", "aria-label": ctx.t("signage.content.deleteNamed", { title: item.title }), onClick: () => remove(item) }),
            ),
        },
      ],
    }),
    pager.hasMore && moreButton(more),
  ];
  const more = async () => {
    await pager.more();
    replace(list, table());
  };
  redraw = drawInto(ctx, list, async () => {
    const shown = pager?.items.length ?? 0;
    pager = new Pager(api, "/content", { query: { kind: kind || undefined }, limit: PAGE });
    await pager.more();
    while (pager.hasMore && pager.items.length < shown) await pager.more();
    return table();
  });
  await redraw();
}

export default { id: "signage-content", path: "/signage/content", title: "signage.content.title", messages: MESSAGES, render };
