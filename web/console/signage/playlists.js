// Playlists: the list (exhibitions are the playlists named expo-...), and a playlist's page where
// its items are put together from the library: added, removed, moved, each with its duration and
// transition, saved at once.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { ApiError } from "../../common/errors.js";
import { button } from "../../common/ui.js";
import { dataTable, form, formDialog, panel, savedToast, stateBadge } from "../kit.js";
import { preview } from "./content.js";
import { drawInto, frame, MESSAGES, signageApi } from "./shared.js";

const TRANSITIONS = ["fade", "slide", "cut"];
const isExhibition = (playlist) => playlist.code.startsWith("expo-");

async function renderList(ctx) {
  const api = signageApi(ctx);
  const create = button({
    label: ctx.t("signage.playlist.create"),
    icon: "plus",
    variant: "primary",
    "data-action": "create-playlist",
    onClick: async () => {
      const created = await formDialog({
        title: ctx.t("signage.playlist.create"),
        fields: [
          { name: "code", label: ctx.t("signage.playlist.code"), required: true, hint: ctx.t("signage.playlist.codeHint"), spellcheck: "false" },
          { name: "name", label: ctx.t("signage.playlist.name"), required: true },
          { name: "is_default", label: ctx.t("signage.playlist.default"), type: "checkbox", hint: ctx.t("signage.playlist.defaultHint") },
        ],
        submitLabel: ctx.t("console.create"),
        onSubmit: (values) => api.post("/playlists", { ...values, items: [] }),
      });
      if (created) ctx.router.navigate(`/signage/playlists/${created.code}`);
    },
  });
  const body = frame(ctx, { title: ctx.t("signage.playlists.title"), lead: ctx.t("signage.playlists.lead"), actions: [create] });
  const list = h("div");
  body.append(panel({ title: ctx.t("signage.playlists.list"), id: "playlists" }, list));
  await drawInto(ctx, list, async () => {
    const playlists = await allItems(api, "/playlists");
    return dataTable({
      caption: ctx.t("signage.playlists.list"),
      rows: playlists,
      rowKey: (p) => p.code,
      columns: [
        { label: ctx.t("signage.playlist.name"), render: (p) => h("a", { href: ctx.router.href(`/signage/playlists/${p.code}`) }, p.name, " ", h("span", { class: "mono muted" }, p.code)) },
        {
          label: ctx.t("signage.playlist.role"),
          render: (p) => [p.is_default && stateBadge("active", ctx.t("signage.playlist.isDefault")), isExhibition(p) && stateBadge("exhibition", ctx.t("signage.playlist.exhibition"))].filter(Boolean),
        },
        { label: ctx.t("signage.playlist.items"), render: (p) => String(p.items.length), numeric: true },
      ],
    });
  })();
}

/** The editable list of a playlist's items; `changed()` after each edit. */
function itemsEditor(ctx, api, entries, library, changed) {
  const root = h("div", { id: "playlist-items" });
  const byId = Object.fromEntries(library.map((item) => [item.id, item]));
  const move = (index, by) => {
    const [entry] = entries.splice(index, 1);
    entries.splice(index + by, 0, entry);
    draw();
    root.querySelector(`[data-index="${index + by}"] [data-action=${by < 0 ? "up" : "down"}]`)?.focus();
    changed();
  };
  function row(entry, index) {
    const item = byId[entry.content_item_id];
    const title = item?.title ?? entry.content_item_id;
    const duration = h("input", {
      class: "input input--narrow",
      type: "number",
      min: 3,
      max: 300,
      id: `item-${index}-duration`,
      value: entry.duration_seconds ?? "",
      placeholder: item ? String(item.duration_seconds) : "",
      onInput: (event) => {
        entry.duration_seconds = event.target.value === "" ? null : Number(event.target.value);
        changed();
      },
    });
    const transition = h(
      "select",
      {
        class: "select",
        id: `item-${index}-transition`,
        onChange: (event) => {
          entry.transition = event.target.value;
          changed();
        },
      },
      TRANSITIONS.map((value) => h("option", { value, selected: value === entry.transition }, ctx.t(`signage.transition.${value}`))),
    );
    return h(
      "li",
      { class: "playlist-item", dataset: { index, content: entry.content_item_id } },
      h("span", { class: "playlist-item__position", "aria-hidden": "true" }, String(index + 1)),
      h("div", { class: "playlist-item__what" }, h("p", { class: "playlist-item__title" }, title), h("p", { class: "muted" }, item ? ctx.t(`signage.kindName.${item.kind}`) : ""), item && preview(ctx, api, item)),
      h("div", { class: "field" }, h("label", { class: "field__label", for: duration.id }, ctx.t("signage.playlist.duration", { title })), duration),
      h("div", { class: "field" }, h("label", { class: "field__label", for: transition.id }, ctx.t("signage.playlist.transition", { title })), transition),
      h(
        "div",
        { class: "cluster" },
        button({ label: ctx.t("signage.playlist.up"), "data-action": "up", "aria-label": ctx.t("signage.playlist.upNamed", { title }), disabled: index === 0, onClick: () => move(index, -1) }),
        button({ label: ctx.t("signage.playlist.down"), "data-action": "down", "aria-label": ctx.t("signage.playlist.downNamed", { title }), disabled: index === entries.length - 1, onClick: () => move(index, 1) }),
        button({
          label: ctx.t("signage.playlist.remove"),
          variant: "danger",
          "data-action": "remove",
          "aria-label": ctx.t("signage.playlist.removeNamed", { title }),
          onClick: () => {
            entries.splice(index, 1);
            draw();
            changed();
            root.querySelector("[data-action=add]")?.focus();
          },
        }),
      ),
    );
  }
  const picker = h(
    "select",
    { class: "select", id: "playlist-add-content" },
    library.map((item) => h("option", { value: item.id }, `${item.title} · ${ctx.t(`signage.kindName.${item.kind}`)}`)),
  );
  const add = button({
    label: ctx.t("signage.playlist.add"),
    icon: "plus",
    "data-action": "add",
    onClick: () => {
      if (!picker.value) return;
      entries.push({ content_item_id: picker.value, duration_seconds: null, transition: "fade" });
      draw();
      changed();
    },
  });
  const list = h("ol", { class: "playlist-items" });
  function draw() {
    list.replaceChildren(...entries.map(row));
    if (!entries.length) list.append(h("li", { class: "muted" }, ctx.t("signage.playlist.empty")));
  }
  draw();
  root.append(list, h("div", { class: "cluster playlist-add" }, h("div", { class: "field" }, h("label", { class: "field__label", for: picker.id }, ctx.t("signage.playlist.fromLibrary")), picker), add));
  return root;
}

async function renderDetail(ctx) {
  const api = signageApi(ctx);
  const code = ctx.params.code;
  const path = `/playlists/${encodeURIComponent(code)}`;
  const [playlist, library, summaries] = await Promise.all([api.get(path), allItems(api, "/content"), allItems(api, "/playlists")]);
  // The summary (GET /playlists) carries each entry's own duration and transition, the document does not.
  const summary = summaries.find((p) => p.code === code);
  const entries = (summary?.items ?? []).map(({ content_item_id, duration_seconds, transition }) => ({ content_item_id, duration_seconds, transition }));
  const remove = button({
    label: ctx.t("console.delete"),
    variant: "danger",
    "data-action": "delete-playlist",
    onClick: async () => {
      const ok = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: playlist.name }), message: ctx.t("signage.playlist.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
      if (!ok) return;
      try {
        await api.delete(path);
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) return ctx.toast(ctx.t("signage.playlist.inUse"), { tone: "danger" });
        throw error;
      }
      ctx.toast(ctx.t("console.deleted"), { tone: "success" });
      ctx.router.navigate("/signage/playlists");
    },
  });
  const body = frame(ctx, { title: playlist.name, lead: h("p", { class: "muted" }, h("span", { class: "mono" }, playlist.code), isExhibition(playlist) && [" · ", ctx.t("signage.playlist.exhibition")]), actions: [remove] });
  const status = h("p", { class: "muted", id: "playlist-unsaved", role: "status" });
  const changed = () => {
    status.textContent = ctx.t("signage.playlist.unsaved");
  };
  const settings = form({
    fields: [
      { name: "name", label: ctx.t("signage.playlist.name"), required: true },
      { name: "is_default", label: ctx.t("signage.playlist.default"), type: "checkbox", hint: ctx.t("signage.playlist.defaultHint") },
    ],
    values: { name: playlist.name, is_default: summary?.is_default },
    submitLabel: ctx.t("signage.playlist.save"),
    extra: [panel({ title: ctx.t("signage.playlist.itemsTitle"), id: "items", className: "panel--inner" }, itemsEditor(ctx, api, entries, library, changed)), status],
    onSubmit: async (values) => {
      await api.put(path, { ...values, items: entries });
      status.textContent = "";
      savedToast(ctx);
    },
  });
  settings.dataset.form = "playlist";
  body.append(panel({ title: ctx.t("signage.playlist.edit"), id: "playlist" }, settings));
}

export default [
  { id: "signage-playlists", path: "/signage/playlists", title: "signage.playlists.title", messages: MESSAGES, render: renderList },
  { id: "signage-playlist", path: "/signage/playlists/:code", title: "signage.playlists.title", messages: MESSAGES, render: renderDetail },
];
