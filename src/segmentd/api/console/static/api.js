// The console's only way to the server: the same /api/v2 endpoints as every other client,
// authenticated by the HttpOnly session cookie, with the session's CSRF token on changes.

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.requestId = body && body.id;
    // Validation messages start with the field they are about: "rules[0].clauses[1].op: ...".
    const match = /^([A-Za-z_][\w.[\]]*): (.*)$/s.exec(this.message);
    this.field = match ? match[1] : null;
    this.detail = match ? match[2] : this.message;
  }
}

let onUnauthorized = () => {};
export function whenSignedOut(callback) {
  onUnauthorized = callback;
}

export async function api(method, path, body, { contentType = "application/json", raw = false } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (raw && response.ok) return response;
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { message: text }; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !path.startsWith("/console/session")) onUnauthorized();
    throw error;
  }
  return data;
}

export const enc = encodeURIComponent;

export function segmentsPath(project, env, key) {
  const base = `/api/v2/segments/${enc(project)}/${enc(env)}`;
  return key === undefined ? base : `${base}/${enc(key)}`;
}

export function semanticPatch(project, env, key, instructions, comment) {
  const body = { instructions };
  if (comment) body.comment = comment;
  return api("PATCH", segmentsPath(project, env, key), body, {
    contentType: "application/json; domain-model=launchdarkly.semanticpatch",
  });
}

export function jsonPatch(project, env, key, patch, comment) {
  return api("PATCH", segmentsPath(project, env, key), comment ? { patch, comment } : patch);
}

// Upload with progress: fetch() cannot report upload progress, XMLHttpRequest can.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = { message: xhr.responseText }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ location: xhr.getResponseHeader("Location"), body: data });
      else reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { message: "Network error" })));
    xhr.send(form);
  });
}
