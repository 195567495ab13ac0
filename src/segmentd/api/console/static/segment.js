// One segment: header, tabs, and the settings tab (name, description, tags, flags using
// it, delete). Other tabs live in their own modules.

import { api, jsonPatch, segmentsPath } from "./api.js";
import { h, field, formatDate, replaceChildren, showFieldError, splitKeys, toast } from "./dom.js";

const TABS = [
  ["settings", "Settings", null],
  ["targets", "Targets", () => import("./targets.js")],
  ["rules", "Rules", () => import("./rules.js")],
  ["big", "Big segment", () => import("./big.js")],
  ["explain", "Why a member?", () => import("./explain.js")],
  ["history", "History", () => import("./history.js")],
];

export async function render(ctx, main) {
  const segment = await api("GET", segmentsPath(ctx.project, ctx.env, ctx.key));
  const tabs = TABS.filter(([id]) => (id === "big" ? segment.unbounded : !(id === "rules" && segment.unbounded) && !(id === "targets" && segment.unbounded)));
  const tab = tabs.some(([id]) => id === ctx.tab) ? ctx.tab : "settings";
  main.append(
    h("p", { class: "crumbs" }, h("a", { href: ctx.href(ctx.project, ctx.env, "segments") }, "Segments"), " / ", segment.key),
    h("div", { class: "page-head" },
      h("h1", {}, segment.name),
      h("span", { class: `badge ${segment.unbounded ? "big" : ""}` }, segment.unbounded ? "big segment" : "standard segment"),
      h("span", { class: "meta" }, `version ${segment.version} · changed ${formatDate(segment.lastModifiedDate)}`)),
    h("nav", { class: "tabs", "aria-label": "Segment sections" },
      tabs.map(([id, label]) => h("a", { href: ctx.href(ctx.project, ctx.env, "segments", segment.key, id), "aria-current": id === tab ? "page" : null }, label))),
  );
  const panel = h("section", { class: "panel", "aria-label": tabs.find(([id]) => id === tab)[1] });
  main.append(panel);
  const segCtx = { ...ctx, segment, refresh: () => ctx.reload() };
  if (tab === "settings") return renderSettings(segCtx, panel);
  const module = await tabs.find(([id]) => id === tab)[2]();
  return module.renderSegmentTab(segCtx, panel);
}

function renderSettings(ctx, panel) {
  const s = ctx.segment;
  const name = h("input", { type: "text", name: "name", value: s.name, readonly: !ctx.canWrite });
  const description = h("textarea", { name: "description", rows: 3, readonly: !ctx.canWrite }, s.description || "");
  const tags = h("input", { type: "text", name: "tags", value: (s.tags || []).join(", "), readonly: !ctx.canWrite });
  const comment = h("input", { type: "text", name: "comment", placeholder: "why (kept in the history)" });
  const form = h("form", { class: "card", "aria-label": "Segment settings" },
    h("h2", {}, "Details"),
    field("Name", name, { name: "name" }),
    field("Description", description, { name: "description" }),
    field("Tags", tags, { name: "tags", hint: "Comma-separated." }),
    h("p", { class: "key" }, `Key: ${s.key}`, s.unbounded ? ` · context kind ${s.unboundedContextKind || "user"}` : ""),
    ctx.canWrite ? [field("Comment", comment), h("button", { type: "submit", class: "primary" }, "Save details")] : null);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    [name, description, tags].forEach((i) => showFieldError(i, ""));
    const patch = [
      { op: "test", path: "/version", value: s.version },
      { op: "replace", path: "/name", value: name.value },
      { op: "replace", path: "/description", value: description.value },
      { op: "replace", path: "/tags", value: splitKeys(tags.value) },
    ];
    try {
      await jsonPatch(ctx.project, ctx.env, s.key, patch, comment.value);
      toast("Saved");
      ctx.refresh();
    } catch (error) {
      const target = { name, description }[error.field?.split(/[.[]/)[0]] || (error.field?.startsWith("tags") ? tags : name);
      showFieldError(target, error.detail || error.message);
    }
  });
  replaceChildren(panel, form, flagsCard(ctx), ctx.canWrite ? deleteCard(ctx) : null);
}

function flagsCard(ctx) {
  const flags = ctx.segment._flags || [];
  return h("div", { class: "card", id: "flags" },
    h("h2", {}, "Flags using this segment"),
    flags.length
      ? h("ul", { class: "plain" }, flags.map((f) => h("li", {}, h("strong", {}, f.name || f.key), " ", h("code", {}, f.key))))
      : h("p", { class: "empty" }, "No flag uses this segment."));
}

function deleteCard(ctx) {
  const s = ctx.segment;
  const result = h("div", { role: "alert", class: "delete-result" });
  const button = h("button", { type: "button", class: "danger" }, "Delete segment");
  button.addEventListener("click", async () => {
    if (!window.confirm(`Delete segment ${s.key}? This cannot be undone.`)) return;
    try {
      await api("DELETE", segmentsPath(ctx.project, ctx.env, s.key));
      toast(`Segment ${s.key} deleted`);
      location.hash = ctx.href(ctx.project, ctx.env, "segments");
    } catch (error) {
      replaceChildren(result, h("p", { class: "error-box" }, error.message));
    }
  });
  return h("div", { class: "card danger-zone" },
    h("h2", {}, "Delete"),
    h("p", {}, (s._flags || []).length ? "Flags use this segment: segmentd refuses to delete it until they no longer do." : "Deleting removes the segment for SDKs at once."),
    button, result);
}
