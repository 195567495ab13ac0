// Projects and environments: the SDK key, mobile key and client-side id to copy, and (for
// admins) creating projects and environments.

import { api, enc } from "./api.js";
import { h, copyText, field, replaceChildren, showFieldError, toast } from "./dom.js";
import { loadProjects } from "./app.js";

function secret(label, value) {
  const input = h("input", { type: "text", readonly: true, value, class: "mono", "aria-label": label });
  return h("div", { class: "secret" }, h("span", { class: "secret-label" }, label), input,
    h("button", { type: "button", "aria-label": `Copy ${label}`, onclick: () => copyText(value, label) }, "Copy"));
}

function createForm(title, fields, submit) {
  const form = h("form", { class: "card", "aria-label": title }, h("h2", {}, title), fields.map(([label, input]) => field(label, input, { name: input.name })),
    h("button", { type: "submit", class: "primary" }, title));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fields.forEach(([, input]) => showFieldError(input, ""));
    try {
      await submit();
    } catch (error) {
      const target = fields.find(([, input]) => input.name === error.field)?.[1] || fields[0][1];
      showFieldError(target, error.field ? error.detail : error.message);
    }
  });
  return form;
}

export async function render(ctx, main) {
  const project = ctx.projects.find((p) => p.key === ctx.project);
  main.append(h("h1", {}, "Projects & keys"));
  for (const env of project.environments.items) {
    main.append(h("section", { class: "card env", "aria-label": `${project.name} ${env.name}` },
      h("h2", {}, `${project.name} · ${env.name} `, h("code", {}, env.key)),
      secret("SDK key", env.apiKey), secret("Mobile key", env.mobileKey), secret("Client-side ID", env._id)));
  }
  if (!ctx.isAdmin) {
    main.append(h("p", { class: "hint" }, "Admins create projects and environments."));
    return;
  }
  const input = (name) => h("input", { type: "text", name, required: true, autocomplete: "off" });
  const envName = input("name"), envKey = input("key"), envColor = h("input", { type: "color", name: "color", value: "#417505" });
  const projName = input("name"), projKey = input("key");
  main.append(
    createForm("Create environment", [["Name", envName], ["Key", envKey], ["Colour", envColor]], async () => {
      await api("POST", `/api/v2/projects/${enc(project.key)}/environments`, { name: envName.value, key: envKey.value.trim(), color: envColor.value.slice(1) });
      toast(`Environment ${envKey.value} created`);
      await loadProjects();
      location.hash = ctx.href(project.key, envKey.value.trim(), "projects");
    }),
    createForm("Create project", [["Name", projName], ["Key", projKey]], async () => {
      const created = await api("POST", "/api/v2/projects", { name: projName.value, key: projKey.value.trim() });
      toast(`Project ${created.key} created`);
      await loadProjects();
      location.hash = ctx.href(created.key, created.environments[0].key, "projects");
    }));
}
