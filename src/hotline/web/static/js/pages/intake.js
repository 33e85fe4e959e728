// The call-taker's console: a keyboard-first intake form; as the content is typed, suggested category,
// department and place, similar open orders (possible duplicates) and knowledge-base articles.

import { api, optional, reference } from "../core/api.js";
import { label, nameOf, t } from "../core/i18n.js";
import { el, errorBox, field, fmtTime, frame, panel, select, statusBadge, toast } from "../core/ui.js";

const { main } = frame("m_intake");
const [categories, regions] = await Promise.all([reference("categories"), reference("regions")]);
const byCode = Object.fromEntries(regions.map((r) => [r.code, r]));
const level = (name) => regions.filter((r) => r.level === name).map((r) => [r.code, nameOf(r)]);
const categoryOptions = categories.filter((c) => c.level === 2).map((c) => [c.code, nameOf(categories.find((p) => p.code === c.parent)) + " / " + nameOf(c)]);
const choices = (prefix, codes) => codes.map((c) => [c, label(prefix, c)]);

const form = el("form.intake-form#intake-form", { autocomplete: "off" },
  field(t("citizen_phone"), el("input#f-citizen_phone", { name: "citizen_phone", required: true, inputMode: "tel", autofocus: true })),
  field(t("citizen_name"), el("input#f-citizen_name", { name: "citizen_name" })),
  field(t("channel"), select("channel", choices("c", ["phone", "web", "app", "wechat", "grid", "email"]), "phone", { required: true })),
  field(t("request_type"), select("request_type", choices("t", ["consult", "help", "complaint", "report", "suggestion", "praise"]), "consult", { required: true })),
  field(t("urgency"), select("urgency", choices("u", ["normal", "urgent", "critical"]), "normal", { required: true })),
  field(t("content"), el("textarea#f-content", { name: "content", required: true, maxLength: 5000 }), true),
  field(t("district"), select("district", level("district"))),
  field(t("street"), select("street", level("street"))),
  field(t("community"), select("community", level("community"))),
  field(t("address"), el("input#f-address", { name: "address" })),
  field(t("category"), select("category", categoryOptions)),
  el("div.form-buttons", {}, el("button.primary#register", { type: "submit" }, t("register_order")),
    el("button#reset", { type: "reset" }, t("cancel"))));
const hint = el("p.hint-line", {}, t("keyboard_hint"));
const [formPanel, formBody] = panel(t("new_order"));
formBody.append(hint, form);
const [suggestPanel, suggestBody] = panel(t("suggestions"));
const [similarPanel, similarBody] = panel(t("similar_open"));
const [kbPanel, kbBody] = panel(t("kb_articles"));
const [recentPanel, recentBody] = panel(t("recent_mine"));
main.append(el("div.cols", {}, el("div", {}, formPanel, recentPanel), el("div", {}, suggestPanel, similarPanel, kbPanel)));
suggestBody.append(el("p.muted", {}, "—"));

const input = (name) => form.elements[name];
let applyKeys = [];

function chip(text, apply, index) {
  if (index < 3) applyKeys[index] = apply;
  return el("button.chip", { type: "button", onclick: apply, title: t("apply") }, index < 3 ? el("kbd", {}, `Alt+${index + 1}`) : null, text);
}

function setPlace(code) {
  const chain = [];
  for (let r = byCode[code]; r; r = byCode[r.parent]) chain.unshift(r);
  for (const r of chain) if (input(r.level)) input(r.level).value = r.code;
}

/** Place words of the city found in the text (used while the suggestion service is not there). */
function placesInText(text) {
  return regions.filter((r) => r.level !== "grid" && [r.name, ...(r.aliases || [])].some((w) => w && w.length >= 2 && text.includes(w)))
    .sort((a, b) => ["district", "street", "community"].indexOf(b.level) - ["district", "street", "community"].indexOf(a.level));
}

async function suggestions(content) {
  // The place already chosen in the form is surer than the one read from the text: the router uses it.
  const body = { content, district: input("district").value || undefined, street: input("street").value || undefined };
  const nlp = await optional("/api/v1/nlp/suggest", { method: "POST", body });
  applyKeys = [];
  const chips = [];
  if (nlp) {
    for (const c of (nlp.category || []).slice(0, 3)) chips.push(chip(`${t("category")}: ${c.l1_name ? c.l1_name + " / " : ""}${c.name} ${Math.round(c.probability * 100)}%`, () => (input("category").value = c.code), chips.length));
    const place = nlp.place || {};
    const code = place.community || place.street || place.district;
    if (code) chips.push(chip(`${t("district")}: ${[place.district_name, place.street_name, place.community_name].filter(Boolean).join(" / ")}`, () => setPlace(code), chips.length));
    for (const d of (nlp.department || []).slice(0, 2)) chips.push(el("span.chip", { title: [`${Math.round(d.probability * 100)}%`, d.reason].filter(Boolean).join(" · ") }, `${t("department")}: ${d.name}`));
    for (const r of (nlp.request_type || []).slice(0, 1)) chips.push(chip(`${t("request_type")}: ${label("t", r.code)}`, () => (input("request_type").value = r.code), chips.length));
  } else {
    for (const r of placesInText(content).slice(0, 2)) chips.push(chip(`${t(r.level)}: ${nameOf(r)}`, () => setPlace(r.code), chips.length));
  }
  suggestBody.replaceChildren(nlp ? el("div.suggest#suggestions", {}, chips.length ? chips : el("span.muted", {}, "—"))
    : el("div", {}, el("div.suggest#suggestions", {}, chips), el("div.muted", {}, t("not_available") + "（/api/v1/nlp/suggest）")));
  return nlp;
}

async function similar(content, nlp) {
  let items = nlp && (nlp.similar_open_orders || nlp.similar || nlp.duplicates);
  if (!items) {
    const place = (nlp && nlp.place) || {};
    const found = placesInText(content)[0];
    const community = input("community").value || place.community || (found && found.level === "community" ? found.code : "");
    const street = input("street").value || place.street || (found && found.level === "street" ? found.code : "");
    if (!community && !street) return similarBody.replaceChildren(el("p.muted", {}, "—"));
    const since = new Date(Date.now() - 7 * 86400000).toISOString();
    const data = await api("/api/v1/orders", { query: { community, street: community ? "" : street, created_from: since, limit: 20 } });
    items = data.items.filter((o) => !["closed", "merged"].includes(o.status)).slice(0, 5);
  }
  similarBody.replaceChildren(items.length ? el("div#similar", {}, items.map((o) =>
    el("div.list-item", { onclick: () => window.open(`/orders/${encodeURIComponent(o.number)}`, "_blank") },
      el("span.li-title", {}, o.number), o.status ? statusBadge(o) : el("span.muted", {}, o.similarity ? `${Math.round(o.similarity * 100)}%` : ""),
      el("span.li-sub", {}, fmtTime(o.created_at), " ", o.summary || "")))) : el("p.muted", {}, "—"));
}

async function knowledge(content) {
  const found = await optional("/api/v1/kb/search", { query: { q: content.slice(0, 100), limit: 5 } });
  if (!found) return kbBody.replaceChildren(el("p.muted", {}, t("not_available") + "（/api/v1/kb/search）"));
  const articles = found.items || found.results || found.articles || [];
  kbBody.replaceChildren(articles.length ? el("div#kb", {}, articles.map((a) => el("div.kb-item", {},
    el("h4", {}, a.title), el("p", {}, a.snippet || a.body || ""),
    el("button.small.primary", { type: "button", onclick: () => register({ closeWith: a }) }, t("close_with_article"))))) : el("p.muted", {}, t("empty")));
}

let timer;
let lastText = "";
input("content").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const content = input("content").value.trim();
    if (content.length < 4 || content === lastText) return;
    lastText = content;
    try {
      const nlp = await suggestions(content);
      await Promise.all([similar(content, nlp), knowledge(content)]);
    } catch (error) {
      suggestBody.replaceChildren(errorBox(error));
    }
  }, 350);
});

async function register({ closeWith = null } = {}) {
  if (!form.reportValidity()) return;
  const body = {};
  for (const [name, value] of new FormData(form).entries()) if (value) body[name] = value;
  const button = form.querySelector("#register");
  button.disabled = true;
  try {
    const key = window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
    const order = await api("/api/v1/orders", { method: "POST", body, headers: { "Idempotency-Key": key } });
    let shown = order;
    if (closeWith) {
      // The server answers with the article's full text and logs its use.
      shown = await api(`/api/v1/orders/${encodeURIComponent(order.number)}/close`, { method: "POST", body: { article_id: closeWith.id } });
      toast(`${t("closed_directly")} ${order.number}`);
    } else {
      toast(`${t("registered_as")} ${order.number}`);
    }
    recentBody.prepend(el("div.list-item", { dataset: { number: order.number }, onclick: () => location.assign(`/orders/${encodeURIComponent(order.number)}`) },
      el("span.li-title", {}, order.number), statusBadge(shown), el("span.li-sub", {}, order.summary)));
    form.reset();
    lastText = "";
    [suggestBody, similarBody, kbBody].forEach((b) => b.replaceChildren(el("p.muted", {}, "—")));
    input("citizen_phone").focus();
  } catch (error) {
    formBody.append(errorBox(error));
  } finally {
    button.disabled = false;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  register();
});
form.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    register();
  }
  if (event.altKey && ["1", "2", "3"].includes(event.key) && applyKeys[Number(event.key) - 1]) {
    event.preventDefault();
    applyKeys[Number(event.key) - 1]();
  }
});

try {
  const mine = await api("/api/v1/orders", { query: { limit: 10 } });
  recentBody.append(...mine.items.map((o) => el("div.list-item", { dataset: { number: o.number }, onclick: () => location.assign(`/orders/${encodeURIComponent(o.number)}`) },
    el("span.li-title", {}, o.number), statusBadge(o), el("span.li-sub", {}, fmtTime(o.created_at), " ", o.summary))));
} catch (error) {
  recentBody.append(errorBox(error));
}
