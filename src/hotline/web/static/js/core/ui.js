// Small DOM helpers shared by every page: elements, the top bar with the role's menu, formats, tables.

import { requireSession, signOut } from "./api.js";
import { label, lang, setLang, t } from "./i18n.js";
import { downloadXlsx } from "./xlsx.js";

/** Make an element: el("div.card#x", {onclick}, child, "text", …). */
export function el(spec, attrs = {}, ...children) {
  const [tagAndClasses, id] = spec.split("#");
  const [tag, ...classes] = tagAndClasses.split(".");
  const node = document.createElement(tag || "div");
  if (classes.length) node.className = classes.join(" ");
  if (id) node.id = id;
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Which pages each role works in; the first is where signing in lands.
export const MENUS = {
  call_taker: ["intake", "orders", "track"],
  dispatcher: ["dispatch", "orders", "screen", "analysis"],
  handler: ["department", "orders", "analysis"],
  supervisor: ["supervise", "screen", "analysis", "orders"],
  analyst: ["analysis", "screen", "orders"],
  admin: ["screen", "analysis", "intake", "dispatch", "department", "supervise", "orders", "track"],
};
const PATHS = {
  screen: "/screen", analysis: "/analysis/overview", orders: "/orders", intake: "/console/intake",
  dispatch: "/console/dispatch", department: "/console/department", supervise: "/console/supervise", track: "/track",
};

/** Where a role starts after signing in. */
export function landing(role) {
  return PATHS[(MENUS[role] || ["orders"])[0]];
}

/** The page frame: top bar (title, the role's menu, language, sign out) and the main area. */
export function frame(titleKey, { public: isPublic = false } = {}) {
  const who = isPublic ? null : requireSession();
  const app = document.getElementById("app");
  const menu = who
    ? (MENUS[who.role] || []).map((item) => {
        const href = PATHS[item];
        const here = location.pathname === href || (item === "analysis" && location.pathname.startsWith("/analysis"));
        return el("a" + (here ? ".here" : ""), { href, dataset: { menu: item } }, t("m_" + item));
      })
    : [];
  const bar = el(
    "header.topbar",
    {},
    el("a.brand", { href: who ? landing(who.role) : "/track" }, t("app")),
    el("nav.menu", { "aria-label": "menu" }, menu),
    el("span.spacer"),
    who ? el("span.who", {}, `${who.username} · ${label("r", who.role)}${who.department ? " · " + who.department : ""}`) : null,
    el("button.link#lang", { type: "button", onclick: () => setLang(lang() === "en" ? "zh" : "en") }, t("lang")),
    who ? el("button.link#logout", { type: "button", onclick: signOut }, t("logout")) : null,
  );
  const main = el("main.main", {}, el("h1.page-title", {}, t(titleKey)));
  app.replaceChildren(bar, main);
  document.title = `${t(titleKey)} · 12345`;
  return { who, main };
}

/** A panel with a title; returns [panel, body]. */
export function panel(titleText, ...extra) {
  const body = el("div.panel-body");
  const node = el("section.panel", {}, el("div.panel-head", {}, el("h2", {}, titleText), ...extra), body);
  return [node, body];
}

/** The panel shown where an endpoint is not there yet (404). */
export function notAvailable(what = "") {
  return el("div.not-available", { role: "note" }, el("strong", {}, t("not_available")), " ", what,
    el("div.hint", {}, t("not_available_hint")));
}

export function errorBox(error) {
  return el("div.error", { role: "alert" }, (error && error.message) || String(error));
}

let toastTimer;
/** A short message at the bottom of the screen. */
export function toast(text, kind = "ok") {
  let node = document.getElementById("toast");
  if (!node) {
    node = el("div#toast", { role: "status" });
    document.body.append(node);
  }
  node.className = "toast " + kind;
  node.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.className = "toast hidden"), 3500);
}

const pad = (n) => String(n).padStart(2, "0");
/** An ISO time as "MM-DD HH:mm" (or with the year): the API writes city-local times with their offset, kept as written. */
export function fmtTime(iso, withYear = false) {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  if (m) return withYear ? `${m[1]}-${m[2]} ${m[3]}` : `${m[2]} ${m[3]}`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const day = `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withYear ? `${d.getFullYear()}-${day}` : day;
}

let zone = "Asia/Shanghai";
/** Use the city's time zone for "today" (GET /api/v1/city says which). */
export function setZone(name) {
  if (name) zone = name;
}

/** The city's date `offsetDays` from today as YYYY-MM-DD (the API reads a bare date as the city's midnight). */
export function cityDate(offsetDays = 0) {
  const moment = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(moment);
}

/**
 * Say the page is complete (every chart drawn, every table filled) or why not ("unavailable", "error"):
 * body[data-ready] for tests, and the performance mark "hotline:ready" of the first full render, whose time
 * since navigation the page benchmark (bench/pages_bench.py) reads.
 */
export function markReady(state = "yes") {
  document.body.dataset.ready = state;
  if (state === "yes" && !performance.getEntriesByName("hotline:ready").length) performance.mark("hotline:ready");
}

/** A date as YYYY-MM-DD in local time. */
export function isoDate(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

// One formatter per language: toLocaleString builds a new one on every call, the analysis pages' main cost.
const numberFormats = {};
export function fmtNumber(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  const locale = lang() === "en" ? "en-US" : "zh-CN";
  numberFormats[locale] = numberFormats[locale] || new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  return numberFormats[locale].format(value);
}

export function fmtRate(rate) {
  return rate === null || rate === undefined ? "–" : (rate * 100).toFixed(1) + "%";
}

/** Time left until a deadline ("2天3小时" / "over by 5h"), with a class for its urgency. */
export function countdown(dueIso, now = Date.now()) {
  if (!dueIso) return { text: "", cls: "" };
  const ms = new Date(dueIso).getTime() - now;
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86400000);
  const hours = Math.floor((abs % 86400000) / 3600000);
  const minutes = Math.floor((abs % 3600000) / 60000);
  const en = lang() === "en";
  const span = days ? (en ? `${days}d ${hours}h` : `${days}天${hours}小时`) : hours ? (en ? `${hours}h ${minutes}m` : `${hours}小时${minutes}分`) : (en ? `${minutes}m` : `${minutes}分钟`);
  if (ms < 0) return { text: `${t("over_by")} ${span}`, cls: "late" };
  return { text: `${t("left")} ${span}`, cls: ms < 4 * 3600000 ? "soon" : ms < 24 * 3600000 ? "near" : "ok" };
}

/** Hide phone numbers and ID numbers inside free text (screens never show personal data). */
export function maskText(text) {
  return String(text || "")
    .replace(/(\d{3})\d{4}(\d{4})/g, "$1****$2")
    .replace(/\d{6}(19|20)\d{2}\d{7}[\dXx]/g, "******************");
}

/** The link to the orders behind a figure (its drill filter). */
export function drillHref(drill) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(drill || {})) if (value !== null && value !== undefined) query.set(name, value);
  return "/orders?" + query.toString();
}

const SHOWN_ROWS = 200;

/**
 * A table with an Excel export button. columns: [{key, title, format?(value,row), link?(row)}].
 * onRow(row) makes rows clickable. Returns the wrapper element.
 */
export function table(columns, rows, { caption = "", onRow, sheet = "data", exportable = true, canOpen = () => true } = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col" }, c.title)));
  const line = (row) => {
    const cells = columns.map((c) => {
      const value = c.format ? c.format(row[c.key], row) : row[c.key];
      const href = c.link && c.link(row);
      return el("td", {}, href ? el("a", { href }, value ?? "") : value instanceof Node ? value : fmtNumber(value));
    });
    const opens = onRow && canOpen(row);
    return el("tr" + (opens ? ".clickable" : ""), opens ? { onclick: () => onRow(row), tabindex: "0", onkeydown: (e) => e.key === "Enter" && onRow(row) } : {}, cells);
  };
  // A table of thousands of rows (every agent of a year) would cost the page a second to draw: the first
  // rows are drawn, the rest on request; the export always takes every row.
  const tbody = el("tbody", {}, rows.length ? rows.slice(0, SHOWN_ROWS).map(line) : el("tr", {}, el("td.empty", { colSpan: columns.length }, t("empty"))));
  const node = el("table.data", {}, caption ? el("caption", {}, caption) : null, el("thead", {}, head), tbody);
  const more = rows.length > SHOWN_ROWS ? el("button.small.more", { type: "button", onclick: () => {
    tbody.append(...rows.slice(SHOWN_ROWS).map(line));
    more.remove();
  } }, `${t("show_all")} (${fmtNumber(rows.length)})`) : null;
  const save = () => {
    const matrix = [columns.map((c) => c.title)];
    for (const row of rows) {
      matrix.push(columns.map((c) => {
        const raw = c.exportValue ? c.exportValue(row) : c.format ? c.format(row[c.key], row) : row[c.key];
        return raw instanceof Node ? raw.textContent : raw;
      }));
    }
    downloadXlsx(`${sheet}.xlsx`, sheet, matrix);
  };
  const tools = exportable || more ? el("div.table-tools", {}, exportable ? el("button.small.export", { type: "button", onclick: save }, t("export")) : null, more) : null;
  return el("div.table-wrap", {}, tools, el("div.scroll", {}, node));
}

/** A <select> with an "any" first option; options: [[value, text]]. */
export function select(name, options, value = "", { anyText = t("any"), required = false } = {}) {
  return el("select", { name, id: "f-" + name, required },
    required ? null : el("option", { value: "" }, anyText),
    options.map(([v, text]) => el("option", { value: v, selected: String(v) === String(value) }, text)));
}

/** A labelled form field. */
export function field(labelText, input, wide = false) {
  return el("label.field" + (wide ? ".wide" : ""), {}, el("span", {}, labelText), input);
}

/** The status badge of an order. */
export function statusBadge(order) {
  return el(`span.badge.st-${order.status}${order.overdue ? ".late" : ""}`, {}, label("s", order.status) + (order.overdue ? " · " + t("overdue") : ""));
}
