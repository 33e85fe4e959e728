// Sign in: the token goes to sessionStorage, then to the page asked for or the role's own page.

import { api, saveSession } from "../core/api.js";
import { lang, setLang, t } from "../core/i18n.js";
import { el, landing } from "../core/ui.js";

const app = document.getElementById("app");
const error = el("div.error#login-error", { role: "alert", hidden: true });
const form = el("form.login#login-form", {},
  el("h1", {}, t("app")),
  el("label.field", {}, el("span", {}, t("username")), el("input#username", { name: "username", autocomplete: "username", required: true, autofocus: true })),
  el("label.field", {}, el("span", {}, t("password")), el("input#password", { name: "password", type: "password", autocomplete: "current-password", required: true })),
  error,
  el("button.primary#login-submit", { type: "submit" }, t("login")),
  el("div.login-foot", {},
    el("a", { href: "/track" }, t("m_track")),
    el("button.link", { type: "button", onclick: () => setLang(lang() === "en" ? "zh" : "en") }, t("lang"))));
app.replaceChildren(el("div.login-wrap", {}, form));
document.title = `${t("login")} · 12345`;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const data = new FormData(form);
  try {
    const answer = await api("/api/v1/auth/token", { method: "POST", form: data, auth: false });
    saveSession({ token: answer.access_token, role: answer.role, department: answer.department, username: data.get("username") });
    const next = new URLSearchParams(location.search).get("next");
    location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : landing(answer.role));
  } catch (failure) {
    error.textContent = failure.status === 401 || failure.status === 400 ? t("login_failed") : failure.message;
    error.hidden = false;
  }
});
