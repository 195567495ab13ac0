// Console entry: session, the shell (header, project and environment switcher, navigation)
// and a hash router. Each page is a module exporting render(ctx, main).

import { api, ApiError, setCsrf, whenSignedOut } from "./api.js";
import { h, replaceChildren, field, toast } from "./dom.js";

const root = document.getElementById("app");
const state = { session: null, projects: [] };

const PAGES = {
  segments: () => import("./segments.js"),
  segment: () => import("./segment.js"),
  explain: () => import("./explain.js"),
  history: () => import("./history.js"),
  projects: () => import("./projects.js"),
};

function parseRoute() {
  // #/{project}/{env}/{page}[/{segment}[/{tab}]]?query
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return {
    project: parts[0],
    env: parts[1],
    page: parts[2] === "segments" && parts[3] ? "segment" : parts[2] || "segments",
    key: parts[3],
    tab: parts[4],
    params: new URLSearchParams(query || ""),
  };
}

export function href(project, env, ...rest) {
  const parts = [project, env, ...rest].map((p) => encodeURIComponent(p));
  return `#/${parts.join("/")}`;
}

async function boot() {
  whenSignedOut(() => { state.session = null; setCsrf(null); renderSignIn("Your session has ended: sign in again."); });
  try {
    state.session = await api("GET", "/console/session");
    setCsrf(state.session.csrf);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return renderSignIn();
    throw error;
  }
  await loadProjects();
  route();
}

export async function loadProjects() {
  const data = await api("GET", "/api/v2/projects?limit=100");
  state.projects = await Promise.all(
    data.items.map(async (project) => ({
      ...project,
      environments: await api("GET", `/api/v2/projects/${encodeURIComponent(project.key)}/environments?limit=100`),
    })),
  );
}

function renderSignIn(notice) {
  const input = h("input", { type: "password", name: "token", autocomplete: "off", required: true, spellcheck: "false" });
  const form = h(
    "form",
    { class: "card sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in to segmentd"),
    notice ? h("p", { class: "notice" }, notice) : null,
    field("Access token", input, { hint: "An api-… token; `segmentd tokens create` prints one. It is kept in an HttpOnly cookie, never in the page." }),
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      state.session = await api("POST", "/console/session", { token: input.value });
      setCsrf(state.session.csrf);
      input.value = "";
      await loadProjects();
      route();
    } catch (error) {
      const message = error.status === 401 ? "That token is not valid." : error.message;
      const slot = document.getElementById(`${input.id}-error`);
      slot.textContent = message;
      slot.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  });
  replaceChildren(root, h("main", { id: "main", class: "centered" }, form));
  input.focus();
}

async function signOut() {
  await api("DELETE", "/console/session");
  state.session = null;
  setCsrf(null);
  history.replaceState(null, "", location.pathname);
  renderSignIn("You are signed out.");
}

function switcher(route) {
  const select = h("select", { id: "env-switcher", "aria-label": "Project and environment" });
  for (const project of state.projects) {
    const group = h("optgroup", { label: project.name });
    for (const env of project.environments.items) {
      group.append(h("option", { value: `${project.key}/${env.key}`, selected: project.key === route.project && env.key === route.env }, `${project.name} · ${env.name}`));
    }
    select.append(group);
  }
  select.addEventListener("change", () => {
    const [project, env] = select.value.split("/");
    location.hash = href(project, env, route.page === "segment" ? "segments" : route.page);
  });
  return select;
}

function shell(route) {
  const nav = [
    ["segments", "Segments"],
    ["explain", "Why a member?"],
    ["history", "History"],
    ["projects", "Projects & keys"],
  ];
  const current = route.page === "segment" ? "segments" : route.page;
  const main = h("main", { id: "main", tabindex: "-1" });
  const header = h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: href(route.project, route.env, "segments") }, "segmentd"),
    switcher(route),
    h(
      "nav",
      { "aria-label": "Sections" },
      h("ul", {}, nav.map(([page, label]) => h("li", {}, h("a", { href: href(route.project, route.env, page), "aria-current": page === current ? "page" : null }, label)))),
    ),
    h(
      "div",
      { class: "who" },
      h("span", { class: `role role-${state.session.role}`, title: "Your role" }, `${state.session.name} · ${state.session.role}`),
      h("a", { href: "/docs", class: "docs-link" }, "API docs"),
      h("button", { type: "button", class: "link", onclick: () => signOut().catch((e) => toast(e.message, "error")) }, "Sign out"),
    ),
  );
  replaceChildren(root, header, main);
  return main;
}

export function context(route) {
  const role = state.session.role;
  return {
    ...route,
    session: state.session,
    projects: state.projects,
    canWrite: role === "writer" || role === "admin",
    isAdmin: role === "admin",
    href,
    reload: route_,
  };
}

function route_() {
  route();
}

async function route() {
  if (!state.session) return;
  const route = parseRoute();
  const known = state.projects.find((p) => p.key === route.project);
  if (!known || !known.environments.items.some((e) => e.key === route.env)) {
    const project = known || state.projects[0];
    if (!project) return replaceChildren(root, h("main", { id: "main" }, h("p", {}, "No projects yet.")));
    const env = project.environments.items[0];
    location.replace(href(project.key, env.key, route.page === "projects" ? "projects" : "segments"));
    return;
  }
  const page = PAGES[route.page] || PAGES.segments;
  const main = shell(route);
  try {
    const module = await page();
    await module.render(context(route), main);
    document.title = `${main.querySelector("h1")?.textContent || "Console"} · segmentd`;
  } catch (error) {
    main.append(h("p", { class: "error-box", role: "alert" }, error.message));
  }
}

window.addEventListener("hashchange", route);
// The skip link moves focus; following its href would change the route.
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main")?.focus();
});
boot().catch((error) => replaceChildren(root, h("p", { class: "error-box", role: "alert" }, error.message)));
