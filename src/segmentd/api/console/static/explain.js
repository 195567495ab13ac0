// "Why is this context a member?": a context (pasted JSON, or built kind by kind) checked
// against one segment with the explain endpoint, rule by rule and clause by clause, and
// against every segment of the environment with LaunchDarkly's segments/evaluate.

import { api, enc, segmentsPath } from "./api.js";
import { h, field, nextId, replaceChildren, showFieldError } from "./dom.js";

const SAMPLE = { kind: "user", key: "user-123", country: "de", plan: "pro" };

function contextForm(onSubmit) {
  const json = h("textarea", { name: "context", rows: 8, spellcheck: "false", class: "mono" }, JSON.stringify(SAMPLE, null, 2));
  const kind = h("input", { type: "text", value: "user", size: 8 });
  const key = h("input", { type: "text", placeholder: "context key" });
  const attrs = h("input", { type: "text", placeholder: "country=de, plan=pro" });
  const addKind = h("button", { type: "button" }, "Add this kind to the context");
  addKind.addEventListener("click", () => {
    let current;
    try { current = JSON.parse(json.value || "{}"); } catch { current = {}; }
    const part = { key: key.value.trim() };
    for (const pair of attrs.value.split(",").map((p) => p.trim()).filter(Boolean)) {
      const [name, ...rest] = pair.split("=");
      const raw = rest.join("=").trim();
      part[name.trim()] = raw === "true" ? true : raw === "false" ? false : raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    }
    const k = kind.value.trim() || "user";
    let next;
    if (!current.kind || current.kind === k) next = { kind: k, ...part };
    else if (current.kind === "multi") next = { ...current, [k]: part };
    else { const { kind: oldKind, ...rest } = current; next = { kind: "multi", [oldKind]: rest, [k]: part }; }
    json.value = JSON.stringify(next, null, 2);
  });
  const form = h("form", { class: "card", "aria-label": "Context" },
    h("h2", {}, "Context"),
    field("Context JSON (single or multi-kind)", json, { name: "context" }),
    h("details", {}, h("summary", {}, "Build a context kind by kind"),
      h("div", { class: "row" }, field("Kind", kind), field("Key", key), field("Attributes", attrs, { hint: "name=value, comma-separated; numbers and true/false are typed." })),
      addKind),
    h("button", { type: "submit", class: "primary" }, "Check membership"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showFieldError(json, "");
    let context;
    try { context = JSON.parse(json.value); } catch (error) { return showFieldError(json, `Not valid JSON: ${error.message}`); }
    onSubmit(context, (message) => showFieldError(json, message));
  });
  return form;
}

function verdict(isMember) {
  return h("span", { class: `verdict ${isMember ? "yes" : "no"}` }, isMember ? "a member" : "not a member");
}

function reasonText(reason) {
  if (!reason) return "";
  const parts = [reason.kind];
  if (reason.ruleIndex !== undefined) parts.push(`rule ${reason.ruleIndex + 1}`);
  if (reason.errorKind) parts.push(reason.errorKind);
  return parts.join(" · ");
}

function show(value) {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}

export function explanationView(item, segment) {
  const rules = segment?.rules || [];
  return h("div", { class: "explanation" },
    h("p", { class: "summary" }, h("strong", {}, item.context.key), " is ", verdict(item.isMember), ` (${reasonText(item.reason)})`),
    item.rules.length ? h("ol", { class: "explain-rules" }, item.rules.map((rule) => {
      const defined = rules[rule.index] || {};
      return h("li", { class: `explain-rule ${rule.matched ? "matched" : ""}` },
        h("h3", {}, `Rule ${rule.index + 1}${defined.description ? `: ${defined.description}` : ""} — `, rule.matched ? "matched" : "did not match"),
        rule.weight !== undefined ? h("p", { class: "hint" }, `Rollout ${rule.weight / 1000}%: bucket ${rule.bucket === null || rule.bucket === undefined ? "n/a" : (rule.bucket * 100).toFixed(3)}%`) : null,
        rule.error ? h("p", { class: "error-box" }, rule.error) : null,
        h("table", { class: "list clauses-table" },
          h("thead", {}, h("tr", {}, ["#", "Clause", "Value seen", "Result"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, rule.clauses.map((c) => {
            const values = defined.clauses?.[c.index]?.values;
            return h("tr", { class: c.matched ? "clause-matched" : "clause-missed" },
              h("td", {}, String(c.index + 1)),
              h("td", {}, c.op === "segmentMatch"
                ? `${c.negate ? "not " : ""}in segment ${JSON.stringify(values || [])}`
                : `${c.contextKind ? `${c.contextKind}.` : ""}${c.attribute} ${c.negate ? "not " : ""}${c.op}${values ? ` ${JSON.stringify(values)}` : ""}`),
              h("td", { class: "mono" }, c.op === "segmentMatch" ? "(membership)" : show(c.contextValue)),
              h("td", {}, c.error ? `error: ${c.error}` : c.matched ? "✔ matched" : "✘ no match"));
          }))));
    })) : h("p", { class: "hint" }, "No rule was needed (or the segment has none)."));
}

export async function renderSegmentTab(ctx, panel) {
  const out = h("div", { "aria-live": "polite" });
  const path = `${segmentsPath(ctx.project, ctx.env, ctx.segment.key)}/evaluate`;
  replaceChildren(panel, contextForm(async (context, fail) => {
    try {
      const data = await api("POST", path, context);
      replaceChildren(out, data.items.map((item) => explanationView(item, ctx.segment)));
    } catch (error) { fail(error.message); }
  }), out);
}

export async function render(ctx, main) {
  const out = h("div", { "aria-live": "polite" });
  const path = `/api/v2/projects/${enc(ctx.project)}/environments/${enc(ctx.env)}/segments/evaluate`;
  main.append(h("h1", {}, "Why is this context a member?"),
    h("p", { class: "hint" }, "Every segment of this environment that the context belongs to. Open a segment's \"Why a member?\" tab for its rules clause by clause."),
    contextForm(async (context, fail) => {
      try {
        const data = await api("POST", path, context);
        const members = data.items.filter((i) => i.isMember);
        const tableId = nextId("members");
        replaceChildren(out,
          h("p", { class: "count", role: "status" }, `Member of ${members.length} of ${data.items.length} segments`),
          h("div", { class: "table-wrap" }, h("table", { class: "list", id: tableId },
            h("thead", {}, h("tr", {}, ["Segment", "Member", "Why"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, data.items.map((i) => h("tr", {},
              h("td", {}, h("a", { href: `${ctx.href(ctx.project, ctx.env, "segments", i.key, "explain")}` }, i.name), h("div", { class: "key" }, i.key)),
              h("td", {}, verdict(i.isMember)),
              h("td", {}, reasonText(i.reason))))))));
      } catch (error) { fail(error.message); }
    }), out);
}
