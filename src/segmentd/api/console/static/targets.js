// Included and excluded targets per context kind: bulk paste (thousands of keys in one
// semantic patch), removal, and expiring targets with a date picker.

import { api, enc, semanticPatch } from "./api.js";
import { h, field, formatDate, replaceChildren, showFieldError, splitKeys, toast } from "./dom.js";

const SHOWN = 300;
// The API takes a bounded number of target operations per request; a long paste goes in
// batches of this many keys, one request each (the API still checks every batch).
const BATCH = 1000;

function targetsByKind(segment, list) {
  const byKind = new Map();
  const legacy = segment[list] || [];
  if (legacy.length) byKind.set("user", [...legacy]);
  for (const t of segment[`${list}Contexts`] || []) {
    byKind.set(t.contextKind, [...(byKind.get(t.contextKind) || []), ...t.values]);
  }
  return byKind;
}

export async function renderSegmentTab(ctx, panel) {
  const expiringPath = `/api/v2/segments/${enc(ctx.project)}/${enc(ctx.segment.key)}/expiring-targets/${enc(ctx.env)}`;
  const expiring = await api("GET", expiringPath);
  const expiries = new Map(expiring.items.map((t) => [`${t.targetType}/${t.contextKind}/${t.contextKey}`, t]));
  replaceChildren(panel,
    ctx.canWrite ? pasteForm(ctx) : null,
    listCard(ctx, "included", "Included targets", expiries, expiringPath),
    listCard(ctx, "excluded", "Excluded targets", expiries, expiringPath));
}

function pasteForm(ctx) {
  const kind = h("input", { type: "text", name: "contextKind", value: "user", list: "kinds" });
  const keys = h("textarea", { name: "keys", rows: 6, placeholder: "one key per line, or separated by commas or spaces" });
  const list = h("select", { name: "list" }, h("option", { value: "Included" }, "Included"), h("option", { value: "Excluded" }, "Excluded"));
  const counter = h("span", { class: "hint", "aria-live": "polite" }, "0 keys");
  keys.addEventListener("input", () => { counter.textContent = `${splitKeys(keys.value).length} keys`; });
  const form = h("form", { class: "card", "aria-label": "Add or remove targets" },
    h("h2", {}, "Add or remove targets in bulk"),
    h("div", { class: "row" }, field("Context kind", kind, { name: "contextKind" }), field("List", list)),
    field("Context keys", keys, { name: "values" }), counter,
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary", value: "add" }, "Add keys"),
      h("button", { type: "submit", value: "remove" }, "Remove keys")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const action = event.submitter?.value === "remove" ? "remove" : "add";
    const values = splitKeys(keys.value);
    [kind, keys].forEach((i) => showFieldError(i, ""));
    if (!values.length) return showFieldError(keys, "Paste at least one key.");
    let done = 0;
    try {
      for (; done < values.length; done += BATCH) {
        counter.textContent = `saving ${done} of ${values.length} keys…`;
        await semanticPatch(ctx.project, ctx.env, ctx.segment.key, [
          { kind: `${action}${list.value}Targets`, contextKind: kind.value.trim(), values: values.slice(done, done + BATCH) },
        ]);
      }
      toast(`${values.length} key${values.length === 1 ? "" : "s"} ${action === "add" ? "added" : "removed"}`);
      ctx.refresh();
    } catch (error) {
      const saved = done ? ` (the first ${done} keys were saved)` : "";
      showFieldError(/contextKind/i.test(error.field || error.message) ? kind : keys, error.message + saved);
    }
  });
  return form;
}

function listCard(ctx, list, title, expiries, expiringPath) {
  const byKind = targetsByKind(ctx.segment, list);
  const card = h("div", { class: "card" }, h("h2", {}, title));
  if (!byKind.size) card.append(h("p", { class: "empty" }, "None."));
  for (const [kind, keys] of byKind) {
    const filter = h("input", { type: "search", placeholder: "find a key", "aria-label": `Find a ${kind} key in ${list}` });
    const ul = h("ul", { class: "targets", "aria-label": `${title}: ${kind}` });
    const draw = () => {
      const wanted = filter.value.trim();
      const shown = keys.filter((k) => k.includes(wanted));
      replaceChildren(ul, shown.slice(0, SHOWN).map((key) => targetItem(ctx, list, kind, key, expiries, expiringPath)),
        shown.length > SHOWN ? h("li", { class: "hint" }, `…and ${shown.length - SHOWN} more: narrow with the search box`) : null);
    };
    filter.addEventListener("input", draw);
    draw();
    card.append(h("h3", {}, `${kind} `, h("span", { class: "count" }, `(${keys.length})`)), keys.length > 10 ? filter : null, ul);
  }
  return card;
}

function targetItem(ctx, list, kind, key, expiries, expiringPath) {
  const expiry = expiries.get(`${list}/${kind}/${key}`);
  const li = h("li", {}, h("code", {}, key));
  if (expiry) li.append(h("span", { class: "expiry" }, `expires ${formatDate(expiry.expirationDate)}`));
  if (!ctx.canWrite) return li;
  const remove = h("button", { type: "button", class: "link", "aria-label": `Remove ${key}` }, "Remove");
  remove.addEventListener("click", async () => {
    try {
      const kindName = list === "included" ? "removeIncludedTargets" : "removeExcludedTargets";
      await semanticPatch(ctx.project, ctx.env, ctx.segment.key, [{ kind: kindName, contextKind: kind, values: [key] }]);
      toast(`${key} removed`);
      ctx.refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  });
  const date = h("input", { type: "datetime-local", "aria-label": `Expiry of ${key}` });
  const set = h("button", { type: "button", class: "link" }, expiry ? "Change expiry" : "Set expiry");
  set.addEventListener("click", async () => {
    if (!date.value) return date.focus();
    const instruction = {
      kind: expiry ? "updateExpiringTarget" : "addExpiringTarget",
      targetType: list, contextKind: kind, contextKey: key, value: new Date(date.value).getTime(),
    };
    if (expiry) instruction.version = expiry._version;
    await expiringPatch(ctx, expiringPath, [instruction]);
  });
  li.append(remove, date, set);
  if (expiry) {
    li.append(h("button", { type: "button", class: "link", onclick: () => expiringPatch(ctx, expiringPath, [{ kind: "removeExpiringTarget", targetType: list, contextKind: kind, contextKey: key }]) }, "Clear expiry"));
  }
  return li;
}

async function expiringPatch(ctx, path, instructions) {
  try {
    const result = await api("PATCH", path, { instructions });
    if (result.errors && result.errors.length) return toast(result.errors.map((e) => e.message).join("; "), "error");
    toast("Expiry saved");
    ctx.refresh();
  } catch (error) {
    toast(error.message, "error");
  }
}
