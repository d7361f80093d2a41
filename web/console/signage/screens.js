// Screens: the list with their state (online, offline, behind on content) and last seen, a screen's
// page to change or retire it, and the devices paired to the station's screens and kiosks.

import { h } from "../../common/dom.js";
import { allItems } from "../../common/pages.js";
import { button } from "../../common/ui.js";
import { dataTable, form, formDialog, panel, savedToast, stateBadge, when } from "../kit.js";
import { devicesApi, drawInto, frame, layoutField, MESSAGES, signageApi } from "./shared.js";

const FILTERS = { all: {}, online: { online: true }, offline: { online: false }, behind: { behind: true } };

function screenFields(ctx, playlists, { withCode, layouts = [] }) {
  return [
    withCode && { name: "code", label: ctx.t("signage.screen.code"), required: true, hint: ctx.t("signage.codeHint"), spellcheck: "false" },
    { name: "name", label: ctx.t("signage.screen.name"), required: true },
    { name: "location", label: ctx.t("signage.screen.location"), required: true },
    { name: "zone", label: ctx.t("signage.screen.zone"), required: true, hint: ctx.t("signage.screen.zoneHint") },
    { name: "tags", label: ctx.t("signage.screen.tags"), type: "list", hint: ctx.t("signage.listHint") },
    { name: "languages", label: ctx.t("signage.screen.languages"), type: "list", required: true, hint: ctx.t("signage.screen.languagesHint") },
    {
      name: "orientation",
      label: ctx.t("signage.screen.orientation"),
      type: "select",
      required: true,
      options: ["landscape", "portrait"].map((value) => ({ value, label: ctx.t(`signage.orientation.${value}`) })),
    },
    { name: "resolution", label: ctx.t("signage.screen.resolution"), required: true, placeholder: "1920x1080" },
    {
      name: "playlist_id",
      label: ctx.t("signage.screen.playlist"),
      type: "select",
      emptyLabel: ctx.t("signage.screen.defaultPlaylist"),
      options: playlists.map((p) => ({ value: p.id, label: `${p.name} (${p.code})` })),
    },
    layoutField(ctx, layouts, "signage.screen.layoutHint"),
  ].filter(Boolean);
}

const NEW_SCREEN = { zone: "hall", languages: ["fr", "en"], orientation: "landscape", resolution: "1920x1080" };

// The service keeps the paired device's client id on the screen; the form does not show it.
const screenBody = (values, screen) => ({ ...values, tags: values.tags ?? [], languages: values.languages ?? [], device_client_id: screen?.device_client_id ?? null });

/** The screen's name and code, linking to its page. */
export function screenLink(ctx, screen) {
  return h("a", { href: ctx.router.href(`/signage/screens/${screen.code}`) }, screen.name, " ", h("span", { class: "mono muted" }, screen.code));
}

export function screenState(ctx, screen) {
  if (!screen.online) return stateBadge("offline", ctx.t("signage.state.offline"));
  if (screen.behind) return stateBadge("behind", ctx.t("signage.state.behind"));
  return stateBadge("online", ctx.t("signage.state.online"));
}

/** The paired devices of the station (or of one screen), each with an unpair button. */
function devicesPanel(ctx, { binding = null } = {}) {
  const devices = devicesApi(ctx);
  const target = h("div");
  const redraw = drawInto(ctx, target, async () => {
    const items = await devices.list();
    const shown = items.filter((device) => (binding ? device.binding === binding && ["screen", "kiosk"].includes(device.kind) : ["screen", "kiosk"].includes(device.kind)));
    return dataTable({
      caption: ctx.t("signage.devices.title"),
      rows: shown,
      rowKey: (device) => device.client_id,
      empty: ctx.t("signage.devices.none"),
      columns: [
        { label: ctx.t("signage.devices.client"), render: (d) => h("span", { class: "mono" }, d.client_id) },
        { label: ctx.t("signage.devices.kind"), render: (d) => ctx.t(`signage.kind.${d.kind}`) },
        { label: ctx.t("signage.devices.binding"), render: (d) => (d.binding && d.kind === "screen" ? h("a", { href: ctx.router.href(`/signage/screens/${d.binding}`) }, d.binding) : d.binding ?? "—") },
        { label: ctx.t("signage.devices.label"), render: (d) => d.label ?? "—" },
        { label: ctx.t("signage.devices.paired"), render: (d) => when(d.created_at) },
        {
          label: ctx.t("console.actions"),
          render: (d) =>
            button({
              label: ctx.t("signage.devices.unpair"),
              variant: "danger",
              "data-action": "unpair",
              onClick: async () => {
                const ok = await ctx.confirm({ title: ctx.t("signage.devices.unpairTitle", { client: d.client_id }), message: ctx.t("signage.devices.unpairText"), confirmLabel: ctx.t("signage.devices.unpair"), danger: true });
                if (!ok) return;
                await devices.unpair(d.client_id);
                ctx.toast(ctx.t("signage.devices.unpaired"), { tone: "success" });
                redraw();
              },
            }),
        },
      ],
    });
  });
  redraw();
  return panel({ title: ctx.t("signage.devices.title"), id: "devices", actions: [h("a", { class: "button", href: ctx.router.href("/signage/pair", binding ? { binding } : {}) }, ctx.t("signage.pair.action"))] }, target);
}

async function renderList(ctx) {
  const api = signageApi(ctx);
  const filter = FILTERS[ctx.query.state] ? ctx.query.state : "all";
  const create = button({
    label: ctx.t("signage.screen.create"),
    icon: "plus",
    variant: "primary",
    "data-action": "create-screen",
    onClick: async () => {
      const [playlists, layouts] = await Promise.all([allItems(api, "/playlists"), allItems(api, "/layouts")]);
      const created = await formDialog({
        title: ctx.t("signage.screen.create"),
        fields: screenFields(ctx, playlists, { withCode: true, layouts }),
        values: NEW_SCREEN,
        submitLabel: ctx.t("console.create"),
        onSubmit: (values) => api.post("/screens", screenBody(values)),
      });
      if (created) ctx.router.navigate(`/signage/screens/${created.code}`);
    },
  });
  const body = frame(ctx, { title: ctx.t("signage.screens.title"), lead: ctx.t("signage.screens.lead"), actions: [create] });
  const picker = h(
    "select",
    { class: "select", id: "screen-filter", onChange: (event) => ctx.router.navigate("/signage/screens", { state: event.target.value === "all" ? null : event.target.value }) },
    Object.keys(FILTERS).map((value) => h("option", { value, selected: value === filter }, ctx.t(`signage.filter.${value}`))),
  );
  const list = h("div");
  body.append(
    panel(
      { title: ctx.t("signage.screens.list"), id: "screens" },
      h("div", { class: "field field--inline" }, h("label", { class: "field__label", for: "screen-filter" }, ctx.t("signage.filter.label")), picker),
      list,
    ),
    devicesPanel(ctx),
  );
  await drawInto(ctx, list, async () => {
    const [screens, playlists] = await Promise.all([allItems(api, "/screens", { query: FILTERS[filter] }), allItems(api, "/playlists")]);
    const playlistName = Object.fromEntries(playlists.map((p) => [p.id, p.name]));
    return dataTable({
      caption: ctx.t("signage.screens.list"),
      rows: screens,
      rowKey: (s) => s.code,
      empty: ctx.t("signage.screens.none"),
      columns: [
        { label: ctx.t("signage.screen.name"), render: (s) => screenLink(ctx, s) },
        { label: ctx.t("signage.screen.location"), render: (s) => `${s.location} · ${s.zone}` },
        { label: ctx.t("signage.screen.state"), render: (s) => screenState(ctx, s) },
        { label: ctx.t("signage.screen.lastSeen"), render: (s) => when(s.last_seen_at) },
        { label: ctx.t("signage.screen.playlist"), render: (s) => playlistName[s.playlist_id] ?? ctx.t("signage.screen.defaultPlaylist") },
        { label: ctx.t("signage.screen.layout"), render: (s) => s.layout ?? ctx.t("signage.layout.fullscreen") },
        { label: ctx.t("signage.screen.tags"), render: (s) => s.tags.join(", ") || "—" },
      ],
    });
  })();
}

async function renderDetail(ctx) {
  const api = signageApi(ctx);
  const code = ctx.params.code;
  const [screen, playlists, screens, layouts] = await Promise.all([
    api.get(`/screens/${encodeURIComponent(code)}`),
    allItems(api, "/playlists"),
    allItems(api, "/screens"),
    allItems(api, "/layouts"),
  ]);
  const status = screens.find((s) => s.code === code);
  const remove = button({
    label: ctx.t("console.delete"),
    variant: "danger",
    "data-action": "delete-screen",
    onClick: async () => {
      const ok = await ctx.confirm({ title: ctx.t("console.deleteTitle", { name: screen.name }), message: ctx.t("signage.screen.deleteText"), confirmLabel: ctx.t("console.delete"), danger: true });
      if (!ok) return;
      await api.delete(`/screens/${encodeURIComponent(code)}`);
      ctx.toast(ctx.t("console.deleted"), { tone: "success" });
      ctx.router.navigate("/signage/screens");
    },
  });
  const body = frame(ctx, { title: screen.name, lead: h("p", { class: "muted" }, h("span", { class: "mono" }, screen.code), " · ", screen.location), actions: [remove] });
  body.append(
    status &&
      h(
        "dl",
        { class: "facts", id: "screen-status" },
        h("dt", null, ctx.t("signage.screen.state")),
        h("dd", null, screenState(ctx, status)),
        h("dt", null, ctx.t("signage.screen.lastSeen")),
        h("dd", null, when(status.last_seen_at)),
        h("dt", null, ctx.t("signage.screen.version")),
        h("dd", { class: "mono" }, status.playing_version ?? "—", " / ", status.current_version),
      ),
    panel(
      { title: ctx.t("signage.screen.edit"), id: "screen-edit" },
      form({
        fields: screenFields(ctx, playlists, { withCode: false, layouts }),
        values: screen,
        onSubmit: async (values) => {
          await api.put(`/screens/${encodeURIComponent(code)}`, screenBody(values, screen));
          savedToast(ctx);
        },
      }),
    ),
    devicesPanel(ctx, { binding: code }),
  );
}

export default [
  { id: "signage-screens", path: "/signage/screens", title: "signage.screens.title", messages: MESSAGES, render: renderList },
  { id: "signage-screen", path: "/signage/screens/:code", title: "signage.screens.title", messages: MESSAGES, render: renderDetail },
];
