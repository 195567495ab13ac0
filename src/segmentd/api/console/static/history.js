// History: the audit log of one segment or of the environment, newest first, with who,
// when, the comment and the change (RFC 6902 operations) as a readable diff.

import { api, enc } from "./api.js";
import { h, formatDate, replaceChildren } from "./dom.js";

const PAGE = 20;

function pointer(path) {
  return path.replace(/^\//, "").replace(/\/-$/, "").split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~")).join(" › ") || "(whole segment)";
}

function short(value) {
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

// Fields every update changes; the entry's header already shows the versions.
const NOISE = new Set(["/version", "/lastModifiedDate"]);

function clauseText(c) {
  const values = (c.values || []).map((v) => JSON.stringify(v)).join(", ");
  if (c.op === "segmentMatch") return `${c.negate ? "not " : ""}in segment ${values}`;
  return `${c.contextKind || "user"}.${c.attribute} ${c.negate ? "not " : ""}${c.op} ${values}`;
}

function readable(value) {
  if (value && Array.isArray(value.clauses)) {
    const rollout = value.weight !== undefined && value.weight !== null ? ` (rollout ${value.weight / 1000}%)` : "";
    return `rule: ${value.clauses.map(clauseText).join(" and ")}${rollout}`;
  }
  if (Array.isArray(value) && value.every((v) => v && Array.isArray(v.clauses))) return value.map(readable).join("; ");
  return short(value);
}

// Runs of additions to (or removals from) the same list are shown as one line.
function grouped(changes) {
  const out = [];
  for (const c of changes) {
    if (NOISE.has(c.path)) continue;
    const list = c.path.replace(/\/(\d+|-)$/, "");
    const last = out[out.length - 1];
    if (last && last.op === c.op && last.list === list && list !== c.path && c.op !== "replace") {
      last.items.push(c.value);
    } else {
      out.push({ ...c, list: list !== c.path ? list : null, items: [c.value] });
    }
  }
  return out;
}

export function diffView(changes) {
  const shown = grouped(changes || []);
  if (!shown.length) return h("p", { class: "hint" }, "No field changed.");
  return h("ul", { class: "diff", "aria-label": "Changes" }, shown.map((c) => {
    if (c.list && c.items.length > 1) {
      const verb = c.op === "add" ? "added to" : "removed from";
      const sample = c.op === "add" ? c.items.slice(0, 5).map((v) => readable(v)).join(", ") : "";
      return h("li", { class: c.op === "add" ? "diff-add" : "diff-remove" },
        h("span", { class: "sign", "aria-hidden": "true" }, c.op === "add" ? "+" : "−"),
        `${c.items.length} items ${verb} `, h("span", { class: "diff-path" }, pointer(c.list)),
        sample ? `: ${sample}${c.items.length > 5 ? ", …" : ""}` : "");
    }
    const where = h("span", { class: "diff-path" }, pointer(c.path));
    if (c.op === "add") return h("li", { class: "diff-add" }, h("span", { class: "sign", "aria-label": "added" }, "+"), where, " ", h("code", {}, readable(c.value)));
    if (c.op === "remove") return h("li", { class: "diff-remove" }, h("span", { class: "sign", "aria-label": "removed" }, "−"), where);
    if (c.op === "replace") return h("li", { class: "diff-replace" }, h("span", { class: "sign", "aria-label": "changed" }, "~"), where, " → ", h("code", {}, readable(c.value)));
    return h("li", {}, `${c.op} `, where, c.from ? ` from ${pointer(c.from)}` : "");
  }));
}

function entryView(entry, ctx) {
  return h("li", { class: "card entry" },
    h("div", { class: "entry-head" },
      h("strong", {}, entry.subject?.name || "segmentd"), ` ${entry.titleVerb} `,
      h("a", { href: ctx.href(ctx.project, ctx.env, "segments", entry.target.resources[0].split("segment/")[1] || "") }, entry.name),
      h("time", { datetime: new Date(entry.date).toISOString() }, formatDate(entry.date)),
      h("span", { class: "meta" }, entry.previousVersion ? `v${entry.previousVersion} → v${entry.currentVersion}` : `v${entry.currentVersion}`)),
    entry.comment ? h("blockquote", { class: "comment" }, entry.comment) : null,
    diffView(entry.changes));
}

async function renderLog(ctx, container, path, offset = 0) {
  const data = await api("GET", `${path}${path.includes("?") ? "&" : "?"}limit=${PAGE}&offset=${offset}`);
  const more = offset + data.items.length < data.totalCount;
  const list = h("ol", { class: "history" }, data.items.map((e) => entryView(e, ctx)));
  const pager = h("nav", { class: "pager", "aria-label": "History pages" },
    h("button", { type: "button", disabled: offset === 0, onclick: () => renderLog(ctx, container, path, Math.max(0, offset - PAGE)) }, "← Newer"),
    h("span", {}, data.totalCount ? `${offset + 1}–${offset + data.items.length} of ${data.totalCount}` : "No changes recorded."),
    h("button", { type: "button", disabled: !more, onclick: () => renderLog(ctx, container, path, offset + PAGE) }, "Older →"));
  replaceChildren(container, list, pager);
}

export async function renderSegmentTab(ctx, panel) {
  const container = h("div");
  replaceChildren(panel, h("h2", {}, "History of this segment"), container);
  await renderLog(ctx, container, `/api/v2/auditlog/segments/${enc(ctx.project)}/${enc(ctx.env)}/${enc(ctx.segment.key)}`);
}

export async function render(ctx, main) {
  const container = h("div");
  main.append(h("h1", {}, "History"), h("p", { class: "hint" }, `Every segment change in ${ctx.project} / ${ctx.env}, newest first.`), container);
  const spec = `proj/${ctx.project}:env/${ctx.env}:segment/*`;
  await renderLog(ctx, container, `/api/v2/auditlog?spec=${enc(spec)}`);
}
