// Big segments: counts, CSV import (merge or replace) with a live progress bar (upload
// bytes, then the import's status), errors in words, export and download, and a
// membership lookup by key.

import { api, enc, segmentsPath, upload } from "./api.js";
import { h, field, formatDate, replaceChildren, showFieldError, toast } from "./dom.js";

const STEPS = { preparing: 0.6, ready: 0.7, in_progress: 0.85, complete: 1, stopped: 1 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function renderSegmentTab(ctx, panel) {
  const s = ctx.segment;
  const meta = s._unboundedMetadata || {};
  const base = segmentsPath(ctx.project, ctx.env, s.key);
  replaceChildren(panel,
    h("div", { class: "card" }, h("h2", {}, "Members"),
      h("dl", { class: "counts" },
        h("dt", {}, "Included"), h("dd", { id: "included-count" }, String(meta.includedCount ?? 0)),
        h("dt", {}, "Excluded"), h("dd", {}, String(meta.excludedCount ?? 0)),
        h("dt", {}, "Context kind"), h("dd", {}, s.unboundedContextKind || "user")),
      s._importInProgress ? h("p", { class: "notice" }, "An import is running.") : null),
    lookupCard(base),
    ctx.canWrite ? importCard(ctx, base) : null,
    ctx.canWrite ? exportCard(base) : h("p", { class: "hint" }, "Exports are started by writers."));
}

function lookupCard(base) {
  const key = h("input", { type: "text", name: "lookup", autocomplete: "off" });
  const out = h("p", { role: "status", class: "lookup-result" });
  const form = h("form", { class: "card", "aria-label": "Membership lookup" }, h("h2", {}, "Look up a key"),
    field("Context key", key), h("button", { type: "submit" }, "Look up"), out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const m = await api("GET", `${base}/contexts/${enc(key.value.trim())}`);
      out.textContent = m.included ? `${m.userKey} is included` : m.excluded ? `${m.userKey} is excluded` : `${m.userKey} is not in this segment`;
    } catch (error) { showFieldError(key, error.message); }
  });
  return form;
}

function importCard(ctx, base) {
  const file = h("input", { type: "file", name: "file", accept: ".csv,text/csv,text/plain", required: true });
  const mode = h("fieldset", { class: "row" }, h("legend", {}, "Mode"),
    h("label", { class: "check" }, h("input", { type: "radio", name: "mode", value: "merge", checked: true }), " Merge: add these keys"),
    h("label", { class: "check" }, h("input", { type: "radio", name: "mode", value: "replace" }), " Replace: these keys become the members"));
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Import progress", hidden: true });
  const status = h("p", { class: "import-status", role: "status" });
  const form = h("form", { class: "card", "aria-label": "Import CSV" }, h("h2", {}, "Import a CSV of keys"),
    h("p", { class: "hint" }, "Context keys in the first column, one per line, no header row."),
    field("CSV file", file), mode, h("button", { type: "submit", class: "primary" }, "Upload"), bar, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showFieldError(file, "");
    if (!file.files.length) return showFieldError(file, "Choose a file.");
    const body = new FormData();
    body.append("file", file.files[0]);
    body.append("mode", form.querySelector("input[name=mode]:checked").value);
    bar.hidden = false;
    const setProgress = (fraction, text) => { bar.value = Math.round(fraction * 100); status.textContent = text; };
    setProgress(0, "Uploading…");
    let started;
    try {
      started = await upload(`${base}/imports`, body, (f) => setProgress(f * 0.5, `Uploading… ${Math.round(f * 100)}%`));
    } catch (error) {
      setProgress(0, "");
      bar.hidden = true;
      return showFieldError(file, error.message);
    }
    for (;;) {
      const record = await api("GET", started.location);
      setProgress(STEPS[record.status] ?? 0.5, `Import ${record.status.replace("_", " ")}: ${record.rows} rows read, ${record.keysAdded} keys added`);
      if (record.status === "complete") { status.dataset.state = "complete"; toast("Import complete"); break; }
      if (record.status === "stopped") { status.dataset.state = "stopped"; showFieldError(file, `The import stopped: ${record.error || "no reason given"}`); break; }
      await sleep(400);
    }
    const fresh = await api("GET", base);
    document.getElementById("included-count").textContent = String(fresh._unboundedMetadata?.includedCount ?? 0);
  });
  return form;
}

function exportCard(base) {
  const out = h("div", { role: "status" });
  const button = h("button", { type: "button" }, "Export included keys");
  button.addEventListener("click", async () => {
    try {
      let record = await api("POST", `${base}/exports`);
      replaceChildren(out, "Exporting…");
      while (record.status !== "complete" && !record.error) {
        await sleep(400);
        record = await api("GET", record._links.self.href);
      }
      if (record.error) return replaceChildren(out, h("p", { class: "error-box" }, record.error));
      replaceChildren(out, h("a", { href: record._links.download.href, download: "" }, `Download CSV (${record.size}, ${formatDate(record.creationTime)})`));
    } catch (error) { replaceChildren(out, h("p", { class: "error-box" }, error.message)); }
  });
  return h("div", { class: "card" }, h("h2", {}, "Export"), button, out);
}
