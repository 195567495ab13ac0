// The rule builder: clauses (attribute or attribute reference, operator, typed values,
// negate, context kind), nested segmentMatch with a segment picker, and percentage rollouts.
// The rules are saved with one JSON Patch; the API validates them, and its messages
// ("rules[0].clauses[1].values[0]: ...") are shown beside the field they name.

import { api, jsonPatch, segmentsPath } from "./api.js";
import { h, nextId, replaceChildren, toast } from "./dom.js";

const OPERATORS = [
  ["in", "is one of"], ["startsWith", "starts with"], ["endsWith", "ends with"],
  ["contains", "contains"], ["matches", "matches regex"],
  ["lessThan", "<"], ["lessThanOrEqual", "≤"], ["greaterThan", ">"], ["greaterThanOrEqual", "≥"],
  ["before", "before (date)"], ["after", "after (date)"],
  ["semVerEqual", "semver ="], ["semVerLessThan", "semver <"], ["semVerGreaterThan", "semver >"],
  ["segmentMatch", "is in segment"],
];
const NUMERIC = new Set(["lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"]);

function defaultType(op) {
  if (NUMERIC.has(op)) return "number";
  return "string";
}

function parseValue(text, type) {
  // Text that is not a number stays text, so the API's own message says what is wrong.
  if (type === "number") return text.trim() === "" || Number.isNaN(Number(text)) ? text : Number(text);
  if (type === "boolean") return text.trim() === "true";
  return text;
}

function valueType(values, op) {
  const v = values[0];
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "boolean";
  return defaultType(op);
}

export async function renderSegmentTab(ctx, panel) {
  const rules = structuredClone(ctx.segment.rules || []).map((r) => ({ ...r, clauses: r.clauses.map((c) => ({ ...c, type: valueType(c.values, c.op) })) }));
  const others = await api("GET", `${segmentsPath(ctx.project, ctx.env)}?limit=100&sort=name`);
  const pickerId = nextId("segments");
  const picker = h("datalist", { id: pickerId }, others.items.filter((s) => s.key !== ctx.segment.key).map((s) => h("option", { value: s.key }, s.name)));
  const list = h("ol", { class: "rules" });
  const status = h("div", { class: "rule-status", role: "alert" });
  const comment = h("input", { type: "text", id: nextId("comment"), placeholder: "why (kept in the history)" });
  const ro = !ctx.canWrite;

  const draw = () => {
    replaceChildren(list, rules.map((rule, i) => ruleCard(rule, i)));
    if (!rules.length) list.append(h("li", { class: "empty" }, "No rules: only individual targets are members."));
  };

  function input(attrs, path, onChange) {
    const el = h(attrs.tag || "input", { ...attrs, tag: undefined, id: nextId("r"), "data-path": path, disabled: ro });
    el.addEventListener("change", () => onChange(el));
    return el;
  }

  function labelled(label, el) {
    const error = h("span", { class: "field-error", id: `${el.id}-error`, hidden: true });
    el.setAttribute("aria-describedby", error.id);
    return h("div", { class: "field" }, h("label", { for: el.id }, label), el, error);
  }

  function clauseRow(rule, i, clause, j) {
    const base = `rules[${i}].clauses[${j}]`;
    const isSegment = clause.op === "segmentMatch";
    const op = input({ tag: "select" }, `${base}.op`, (el) => {
      clause.op = el.value;
      if (el.value === "segmentMatch") { clause.attribute = "segmentMatch"; clause.contextKind = undefined; }
      else if (clause.attribute === "segmentMatch") clause.attribute = "key";
      clause.type = defaultType(el.value);
      draw();
    });
    OPERATORS.forEach(([value, label]) => op.append(h("option", { value, selected: clause.op === value }, label)));
    const values = input({ type: "text", value: clause.values.map(String).join(", "), list: isSegment ? pickerId : undefined,
      placeholder: isSegment ? "segment keys" : "values, comma-separated" }, `${base}.values`, (el) => {
      clause.values = el.value.split(",").map((v) => v.trim()).filter((v) => v !== "").map((v) => parseValue(v, clause.type));
    });
    const fields = [];
    if (!isSegment) {
      const kind = input({ type: "text", value: clause.contextKind || "user", size: 8 }, `${base}.contextKind`, (el) => { clause.contextKind = el.value.trim() || undefined; });
      const attribute = input({ type: "text", value: clause.attribute, size: 14 }, `${base}.attribute`, (el) => { clause.attribute = el.value.trim(); });
      const type = input({ tag: "select" }, `${base}.type`, (el) => { clause.type = el.value; clause.values = clause.values.map((v) => parseValue(String(v), el.value)); });
      ["string", "number", "boolean"].forEach((t) => type.append(h("option", { value: t, selected: clause.type === t }, t)));
      fields.push(labelled("Context kind", kind), labelled("Attribute or /reference", attribute));
      fields.push(labelled("Operator", op), labelled("Values", values), labelled("Type", type));
    } else {
      fields.push(labelled("Operator", op), labelled("Segments", values));
    }
    const negate = input({ type: "checkbox", checked: clause.negate }, `${base}.negate`, (el) => { clause.negate = el.checked; });
    fields.push(h("label", { class: "check" }, negate, " not"));
    if (!ro) fields.push(h("button", { type: "button", class: "link", "aria-label": `Remove clause ${j + 1} of rule ${i + 1}`, onclick: () => { rule.clauses.splice(j, 1); draw(); } }, "Remove"));
    return h("li", { class: "clause", "data-path": base }, fields);
  }

  function ruleCard(rule, i) {
    const base = `rules[${i}]`;
    const rollout = rule.weight !== undefined && rule.weight !== null;
    const description = input({ type: "text", value: rule.description || "", placeholder: "what this rule is for" }, `${base}.description`, (el) => { rule.description = el.value || undefined; });
    const clauses = h("ul", { class: "clauses" }, rule.clauses.map((c, j) => clauseRow(rule, i, c, j)));
    const useRollout = input({ type: "checkbox", checked: rollout }, `${base}.weight`, (el) => { rule.weight = el.checked ? 50000 : undefined; draw(); });
    const rolloutFields = [];
    if (rollout) {
      const percent = input({ type: "number", min: 0, max: 100, step: 0.001, value: rule.weight / 1000 }, `${base}.weight`, (el) => { rule.weight = Math.round(Number(el.value) * 1000); });
      const bucketBy = input({ type: "text", value: rule.bucketBy || "key", size: 10 }, `${base}.bucketBy`, (el) => { rule.bucketBy = el.value.trim() || undefined; });
      const kind = input({ type: "text", value: rule.rolloutContextKind || "user", size: 8 }, `${base}.rolloutContextKind`, (el) => { rule.rolloutContextKind = el.value.trim() || undefined; });
      rolloutFields.push(labelled("Percent of contexts", percent), labelled("Bucket by", bucketBy), labelled("Rollout context kind", kind));
    }
    return h("li", { class: "card rule", "data-path": base },
      h("div", { class: "rule-head" }, h("h3", {}, `Rule ${i + 1}`), labelled("Description", description),
        ro ? null : h("div", { class: "rule-actions" },
          h("button", { type: "button", class: "link", disabled: i === 0, "aria-label": `Move rule ${i + 1} up`, onclick: () => { rules.splice(i - 1, 0, ...rules.splice(i, 1)); draw(); } }, "↑"),
          h("button", { type: "button", class: "link", "aria-label": `Remove rule ${i + 1}`, onclick: () => { rules.splice(i, 1); draw(); } }, "Remove rule"))),
      h("p", { class: "hint" }, "A context matches when every clause matches."),
      clauses,
      ro ? null : h("button", { type: "button", class: "add-clause", onclick: () => { rule.clauses.push({ attribute: "key", op: "in", values: [], negate: false, contextKind: "user", type: "string" }); draw(); } }, "+ Add clause"),
      h("div", { class: "row rollout" }, h("label", { class: "check" }, useRollout, " Only a percentage of matching contexts"), rolloutFields));
  }

  const save = async () => {
    replaceChildren(status);
    panel.querySelectorAll("[aria-invalid=true]").forEach((el) => el.setAttribute("aria-invalid", "false"));
    panel.querySelectorAll(".field-error").forEach((el) => { el.hidden = true; });
    const value = rules.map((r) => {
      const out = { clauses: r.clauses.map(({ type, ...c }) => ({ ...c, negate: Boolean(c.negate) })) };
      for (const k of ["_id", "description", "weight", "bucketBy", "rolloutContextKind"]) if (r[k] !== undefined && r[k] !== null) out[k] = r[k];
      if (out.weight === undefined) { delete out.bucketBy; delete out.rolloutContextKind; }
      return out;
    });
    try {
      await jsonPatch(ctx.project, ctx.env, ctx.segment.key, [
        { op: "test", path: "/version", value: ctx.segment.version },
        { op: "replace", path: "/rules", value },
      ], comment.value);
      toast("Rules saved");
      ctx.refresh();
    } catch (error) {
      showError(panel, status, error);
    }
  };

  draw();
  replaceChildren(panel, picker,
    h("div", { class: "page-head" }, h("h2", {}, "Rules"), h("p", { class: "hint" }, "A context is a member if it is included, not excluded, and matches any rule.")),
    list, status,
    ro ? null : h("div", { class: "row" },
      h("button", { type: "button", onclick: () => { rules.push({ clauses: [{ attribute: "key", op: "in", values: [], negate: false, contextKind: "user", type: "string" }] }); draw(); } }, "+ Add rule"),
      h("div", { class: "field" }, h("label", { for: comment.id }, "Comment"), comment),
      h("button", { type: "button", class: "primary", onclick: save }, "Save rules")));
}

// The API names the field in its message; show the message beside that field.
function showError(panel, status, error) {
  let path = error.field || "";
  while (path) {
    const el = panel.querySelector(`[data-path="${CSS.escape(path)}"]`);
    if (el && el.id) {
      el.setAttribute("aria-invalid", "true");
      const slot = document.getElementById(`${el.id}-error`);
      if (slot) { slot.textContent = error.detail; slot.hidden = false; }
      el.focus();
      break;
    }
    if (el) { el.classList.add("has-error"); break; }
    path = path.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
  }
  replaceChildren(status, h("p", { class: "error-box" }, error.message));
}
