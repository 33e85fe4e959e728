// The actions the signed-in user may take on an order now, each with its small form. Which actions those are
// comes with the order from the server (`allowed_actions`), so the rules live in one place: the lifecycle.

import { api, reference } from "./api.js";
import { label, nameOf, t } from "./i18n.js";
import { el, errorBox, field, select, toast } from "./ui.js";

const text = (name, required = true, rows = 3) =>
  el("textarea", { name, id: "act-" + name, rows, required, maxLength: name === "reason" ? 500 : 2000 });

async function formFor(action, order) {
  switch (action) {
    case "dispatch": {
      const departments = (await reference("departments")).filter((d) => d.active !== false);
      const options = departments.map((d) => [d.code, nameOf(d)]);
      const co = el("div.checks", {}, departments.map((d) =>
        el("label.check", {}, el("input", { type: "checkbox", name: "co_departments", value: d.code }), nameOf(d))));
      return [field(t("department"), select("department", options, order.department || "", { required: true })),
        field(t("co_departments"), co, true)];
    }
    case "return": case "reopen": return [field(t("reason"), text("reason"), true)];
    case "extend": return [field(t("days"), el("input", { type: "number", name: "days", id: "act-days", min: 1, max: 30, value: 3, required: true })),
      field(t("reason"), text("reason"), true)];
    case "reply": return [field(t("reply"), text("content", true, 4), true)];
    case "callback": return [
      field(t("satisfaction"), select("satisfaction", ["satisfied", "basic", "dissatisfied"].map((s) => [s, label("sat", s)]), "satisfied", { required: true })),
      field(t("resolved"), select("resolved", [["true", t("yes")], ["false", t("no")]], "true", { required: true }))];
    case "close": return order.status === "registered" ? [field(t("reply"), text("reply", false), true)] : [];
    case "supervise": return [field(t("note"), text("note"), true)];
    case "opinion": return [field(t("opinion"), text("opinion", true, 4), true)];
    case "merge": return [field(t("into"), el("input", { name: "into", id: "act-into", required: true, placeholder: "GD…" }))];
    default: return [];
  }
}

function bodyOf(action, form) {
  const data = new FormData(form);
  const body = {};
  for (const [name, value] of data.entries()) {
    if (name === "co_departments") (body.co_departments = body.co_departments || []).push(value);
    else if (value !== "") body[name] = value;
  }
  if (action === "extend") body.days = Number(body.days);
  if (action === "callback") body.resolved = body.resolved === "true";
  if (action === "dispatch" && body.co_departments) body.co_departments = body.co_departments.filter((c) => c !== body.department);
  return body;
}

/** Buttons for the order's allowed actions; a click opens the action's form, a submit takes it. */
export function actionBar(order, onDone) {
  const holder = el("div.actions", { dataset: { number: order.number } });
  const formSlot = el("div.action-form");
  const buttons = (order.allowed_actions || []).map((action) =>
    el(`button.act.act-${action}`, { type: "button", dataset: { action }, onclick: () => open(action) }, t("a_" + action)));
  async function open(action) {
    const inputs = await formFor(action, order);
    const form = el("form", { dataset: { action } },
      ...inputs,
      el("div.form-buttons", {},
        el("button.primary", { type: "submit" }, t("a_" + action)),
        el("button", { type: "button", onclick: () => formSlot.replaceChildren() }, t("cancel"))));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        const updated = await api(`/api/v1/orders/${encodeURIComponent(order.number)}/${action}`, { method: "POST", body: bodyOf(action, form) });
        toast(`${t("a_" + action)} ✓ ${order.number}`);
        formSlot.replaceChildren();
        onDone && onDone(updated, action);
      } catch (error) {
        form.append(errorBox(error));
        submit.disabled = false;
      }
    });
    formSlot.replaceChildren(form);
    const first = form.querySelector("textarea, select, input");
    if (first) first.focus();
    else if (!inputs.length) form.requestSubmit();
  }
  holder.append(el("div.buttons", {}, buttons.length ? buttons : el("span.muted", {}, "—")), formSlot);
  return holder;
}
