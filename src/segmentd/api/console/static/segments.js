// Segments list: LaunchDarkly's filter as a search box plus chips (tags, keys, big or
// standard), sort, paging and the count. The filter string goes to the API unchanged.

import { api, segmentsPath } from "./api.js";
import { h, field, formatDate, replaceChildren, showFieldError, splitKeys, toast } from "./dom.js";

const PAGE = 20;

function quote(text) {
  return JSON.stringify(text);
}

// The filter the API understands, from the page's controls (docs/lifecycle.md).
export function buildFilter({ query, tags, keys, kind }) {
  const parts = [];
  if (query) parts.push(`query equals ${quote(query)}`);
  if (tags.length) parts.push(`tags anyOf [${tags.map(quote).join(", ")}]`);
  if (keys.length) parts.push(`includedKeys anyOf [${keys.map(quote).join(", ")}]`);
  if (kind === "big") parts.push("unbounded equals true");
  if (kind === "standard") parts.push("unbounded equals false");
  return parts.join(", ");
}

export async function render(ctx, main) {
  const p = ctx.params;
  const filters = {
    query: p.get("q") || "",
    tags: p.getAll("tag"),
    keys: p.getAll("key"),
    kind: p.get("kind") || "",
    sort: p.get("sort") || "name",
    offset: Number(p.get("offset") || 0),
  };
  const go = (changes) => {
    const next = { ...filters, offset: 0, ...changes };
    const params = new URLSearchParams();
    if (next.query) params.set("q", next.query);
    next.tags.forEach((t) => params.append("tag", t));
    next.keys.forEach((k) => params.append("key", k));
    if (next.kind) params.set("kind", next.kind);
    if (next.sort !== "name") params.set("sort", next.sort);
    if (next.offset) params.set("offset", String(next.offset));
    location.hash = `${ctx.href(ctx.project, ctx.env, "segments")}?${params}`;
  };

  const search = h("input", { type: "search", name: "q", value: filters.query, placeholder: "key, name or description" });
  const tagInput = h("input", { type: "text", name: "tag", placeholder: "tag" });
  const keyInput = h("input", { type: "text", name: "key", placeholder: "segment key" });
  const kind = h("select", { name: "kind" },
    h("option", { value: "", selected: !filters.kind }, "Big and standard"),
    h("option", { value: "standard", selected: filters.kind === "standard" }, "Standard only"),
    h("option", { value: "big", selected: filters.kind === "big" }, "Big only"));
  const sort = h("select", { name: "sort" },
    [["name", "Name A–Z"], ["-name", "Name Z–A"], ["-creationDate", "Newest first"], ["creationDate", "Oldest first"], ["-lastModified", "Recently changed"]]
      .map(([value, label]) => h("option", { value, selected: filters.sort === value }, label)));
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter segments" },
    field("Search", search),
    field("Add tag", tagInput),
    field("Add key", keyInput),
    field("Kind", kind),
    field("Sort", sort),
    h("button", { type: "submit" }, "Apply"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go({
      query: search.value.trim(),
      tags: [...filters.tags, ...splitKeys(tagInput.value)],
      keys: [...filters.keys, ...splitKeys(keyInput.value)],
      kind: kind.value,
      sort: sort.value,
    });
  });
  kind.addEventListener("change", () => form.requestSubmit());
  sort.addEventListener("change", () => form.requestSubmit());

  const chips = h("ul", { class: "chips", "aria-label": "Active filters" });
  const chip = (label, remove) => chips.append(h("li", {}, h("span", {}, label),
    h("button", { type: "button", class: "chip-x", "aria-label": `Remove filter ${label}`, onclick: remove }, "×")));
  if (filters.query) chip(`text: ${filters.query}`, () => go({ query: "" }));
  filters.tags.forEach((t) => chip(`tag: ${t}`, () => go({ tags: filters.tags.filter((x) => x !== t) })));
  filters.keys.forEach((k) => chip(`key: ${k}`, () => go({ keys: filters.keys.filter((x) => x !== k) })));
  if (filters.kind) chip(filters.kind === "big" ? "big segments" : "standard segments", () => go({ kind: "" }));

  const results = h("div", { class: "results" });
  const header = h("div", { class: "page-head" }, h("h1", {}, "Segments"));
  if (ctx.canWrite) header.append(createForm(ctx));
  main.append(header, form, chips, results);

  const filter = buildFilter(filters);
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(filters.offset), sort: filters.sort });
  if (filter) params.set("filter", filter);
  let data;
  try {
    data = await api("GET", `${segmentsPath(ctx.project, ctx.env)}?${params}`);
  } catch (error) {
    showFieldError(search, error.message);
    return;
  }
  const count = h("p", { class: "count", role: "status" }, `${data.totalCount} segment${data.totalCount === 1 ? "" : "s"}`);
  if (!data.items.length) {
    replaceChildren(results, count, h("p", { class: "empty" }, filter ? "No segment matches these filters." : "No segments yet."));
    return;
  }
  const rows = data.items.map((s) => h("tr", {},
    h("td", {}, h("a", { href: ctx.href(ctx.project, ctx.env, "segments", s.key) }, s.name), h("div", { class: "key" }, s.key)),
    h("td", {}, s.unbounded ? h("span", { class: "badge big" }, "big") : h("span", { class: "badge" }, "standard")),
    h("td", {}, (s.tags || []).map((t) => h("button", { type: "button", class: "tag", onclick: () => go({ tags: [...new Set([...filters.tags, t])] }) }, t))),
    h("td", {}, s.unbounded
      ? `${s._unboundedMetadata?.includedCount ?? 0} included`
      : `${(s.included || []).length + (s.includedContexts || []).reduce((n, t) => n + t.values.length, 0)} included · ${(s.rules || []).length} rules`),
    h("td", {}, formatDate(s.lastModifiedDate || s.creationDate))));
  const table = h("table", { class: "list" },
    h("caption", { class: "visually-hidden" }, "Segments"),
    h("thead", {}, h("tr", {}, ["Name", "Kind", "Tags", "Targets", "Changed"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows));
  const pages = h("nav", { class: "pager", "aria-label": "Pages" },
    h("button", { type: "button", disabled: filters.offset === 0, onclick: () => go({ ...filters, offset: Math.max(0, filters.offset - PAGE) }) }, "← Previous"),
    h("span", {}, `${filters.offset + 1}–${filters.offset + data.items.length} of ${data.totalCount}`),
    h("button", { type: "button", disabled: filters.offset + PAGE >= data.totalCount, onclick: () => go({ ...filters, offset: filters.offset + PAGE }) }, "Next →"));
  replaceChildren(results, count, h("div", { class: "table-wrap" }, table), pages);
}

function createForm(ctx) {
  const key = h("input", { type: "text", name: "key", required: true, autocomplete: "off" });
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off" });
  const big = h("input", { type: "checkbox", name: "unbounded" });
  const form = h("form", { class: "card create", "aria-label": "Create segment" },
    h("h2", {}, "New segment"),
    field("Name", name, { name: "name" }),
    field("Key", key, { name: "key" }),
    h("label", { class: "check" }, big, " Big segment (memberships uploaded as CSV)"),
    h("button", { type: "submit", class: "primary" }, "Create segment"));
  name.addEventListener("input", () => {
    if (!key.dataset.touched) key.value = name.value.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  });
  key.addEventListener("input", () => { key.dataset.touched = "1"; });
  const details = h("details", { class: "create-wrap" }, h("summary", { class: "button primary" }, "Create segment"), form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    [key, name].forEach((i) => showFieldError(i, ""));
    const body = { key: key.value.trim(), name: name.value };
    if (big.checked) body.unbounded = true;
    try {
      await api("POST", segmentsPath(ctx.project, ctx.env), body);
      toast(`Segment ${body.key} created`);
      location.hash = ctx.href(ctx.project, ctx.env, "segments", body.key);
    } catch (error) {
      const target = error.field === "name" ? name : key;
      showFieldError(target, error.field ? error.detail : error.message);
    }
  });
  return details;
}
