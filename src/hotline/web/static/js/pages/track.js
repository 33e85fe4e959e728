// Citizens look up their own request by number and phone: status, steps and the reply (no sign-in).

import { optional } from "../core/api.js";
import { label, t } from "../core/i18n.js";
import { el, errorBox, field, fmtTime, frame } from "../core/ui.js";

const { main } = frame("track_title", { public: true });
const params = new URLSearchParams(location.search);
const result = el("div#track-result");
const form = el("form.track#track-form", {},
  el("p.muted", {}, t("track_hint")),
  field(t("number"), el("input#track-number", { name: "number", required: true, value: params.get("number") || "", autofocus: true })),
  field(t("citizen_phone"), el("input#track-phone", { name: "phone", required: true, inputMode: "tel", value: params.get("phone") || "" })),
  el("button.primary", { type: "submit" }, t("search")));
main.append(el("div.narrow", {}, form, result));

async function look(number, phone) {
  result.replaceChildren(el("p.muted", {}, t("loading")));
  try {
    const found = await optional("/api/v1/track", { query: { number, phone }, auth: false });
    if (!found) return result.replaceChildren(el("div.error", { role: "alert" }, t("not_found")));
    result.replaceChildren(el("section.panel.track-card", {},
      el("h2", {}, found.number, " ", el("span.badge.st-" + found.status, {}, label("s", found.status))),
      el("p", {}, found.summary),
      el("dl.facts", {},
        el("dt", {}, t("category")), el("dd", {}, found.category_name || "—"),
        el("dt", {}, t("department")), el("dd", {}, found.department_name || "—"),
        el("dt", {}, t("reply")), el("dd#track-reply", {}, found.reply || "—")),
      el("ol.timeline", {}, found.steps.map((s) => el("li", {}, el("span.when", {}, fmtTime(s.at, true)), el("strong", {}, s.step))))));
  } catch (error) {
    result.replaceChildren(errorBox(error));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(form);
  look(data.get("number").trim(), data.get("phone").trim());
});
if (params.get("number") && params.get("phone")) look(params.get("number"), params.get("phone"));
