// The big screen (1920×1080, dark): today against yesterday and last week, calls and answer rate, open and
// overdue orders, the district map, top and rising categories, the department league, alerts and a ticker
// of new orders. It listens to the live stream and redraws in place, never reloading.

import { api, countOrders, liveEvents, optional, reference, requireSession } from "../core/api.js";
import { barOption, chart, cityMap, mapOption } from "../core/charts.js";
import { label, lang, setLang, t } from "../core/i18n.js";
import { cityDate, drillHref, el, fmtNumber, fmtRate, markReady, maskText, setZone } from "../core/ui.js";

requireSession();
const DAY = 86400000;
const app = document.getElementById("app");
const stage = el("div.stage#stage");
app.replaceChildren(stage);

function fit() {
  const scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
  stage.style.transform = `scale(${scale})`;
}
window.addEventListener("resize", fit);
fit();

const card = (id, titleKey) => el(`section.s-card#${id}`, {}, el("h2", {}, t(titleKey)), el("div.s-body"));
const kpi = (id, titleKey) => el(`div.s-kpi#${id}`, {}, el("div.s-label", {}, t(titleKey)), el("div.s-value", {}, "–"), el("div.s-sub"));
const clock = el("span.s-clock#clock");
const liveDot = el("span.s-live#live", {}, "● " + t("live"));
const title = el("h1.s-title", {}, t("app"));
stage.append(
  el("header.s-head", {}, title, el("span.spacer"), liveDot, clock,
    el("button.link.s-lang", { type: "button", onclick: () => setLang(lang() === "en" ? "zh" : "en") }, t("lang"))),
  el("div.s-kpis", {}, kpi("k-intake", "today_intake"), kpi("k-calls", "today_calls"), kpi("k-answer", "answer_rate"),
    kpi("k-open", "open_orders"), kpi("k-overdue", "overdue_now")),
  el("div.s-main", {},
    el("div.s-col", {}, card("top", "top_categories"), card("rising", "rising_categories")),
    el("div.s-col.s-center", {}, card("map", "district_map")),
    el("div.s-col", {}, card("league", "department_league"), card("alerts", "latest_alerts"))),
  el("section.s-ticker#ticker", {}, el("h2", {}, t("ticker")), el("ul.s-items#ticker-items")));

const body = (id) => document.querySelector(`#${id} .s-body`);
const unavailable = (id, what) => body(id).replaceChildren(el("div.s-na", {}, t("not_available"), el("small", {}, what)));

function setKpi(id, value, sub = "", drill = null) {
  const node = document.getElementById(id);
  node.querySelector(".s-value").textContent = value;
  node.querySelector(".s-sub").replaceChildren(...(Array.isArray(sub) ? sub : [sub]));
  node.onclick = drill ? () => window.open(drillHref(drill), "_blank") : null;
  node.classList.toggle("clickable", Boolean(drill));
}

function compare(nameKey, now, before) {
  if (before === null || before === undefined) return el("span", {}, `${t(nameKey)} –`);
  const diff = now - before;
  const rate = before ? ` ${fmtRate(Math.abs(diff) / before)}` : "";
  return el("span." + (diff > 0 ? "up" : diff < 0 ? "down" : "flat"), {}, `${t(nameKey)} ${diff > 0 ? "▲" : diff < 0 ? "▼" : "="}${Math.abs(diff)}${rate}`);
}

const iso = (ms) => new Date(ms).toISOString();

// ---- figures ----------------------------------------------------------------------------------------
async function intake() {
  const now = Date.now();
  const [n, yesterday, lastWeek] = await Promise.all([
    countOrders({ created_from: cityDate(0) }),
    countOrders({ created_from: cityDate(-1), created_to: iso(now - DAY) }),
    countOrders({ created_from: cityDate(-7), created_to: iso(now - 7 * DAY) }),
  ]);
  todayCount = n;
  setKpi("k-intake", fmtNumber(n), [compare("vs_yesterday", n, yesterday), " ", compare("vs_last_week", n, lastWeek)], { created_from: cityDate(0) });
}

async function calls() {
  const now = Date.now();
  const since = (moment, limit = 1) => optional("/api/v1/calls", { query: { since: moment, limit } }).catch(() => null);
  const [day, yAll, yAfter, wAll, wAfter] = await Promise.all([since(cityDate(0), 1000), since(cityDate(-1)), since(iso(now - DAY)), since(cityDate(-7)), since(iso(now - 7 * DAY))]);
  if (!day) return setKpi("k-calls", "–", t("not_available"));
  const yesterday = yAll.total - yAfter.total; // from yesterday's midnight up to this time yesterday
  const lastWeek = wAll.total - wAfter.total;
  const answered = day.items.filter((c) => c.answered).length;
  setKpi("k-calls", fmtNumber(day.total), [compare("vs_yesterday", day.total, yesterday), " ", compare("vs_last_week", day.total, lastWeek)]);
  setKpi("k-answer", day.items.length ? fmtRate(answered / day.items.length) : "–", `${answered} / ${day.items.length}`);
}

async function orders(overview) {
  if (overview && overview.orders) {
    const o = overview.orders;
    setKpi("k-open", fmtNumber(o.open), `${t("near_deadline")} ${fmtNumber(o.near_deadline_24h)}`);
    setKpi("k-overdue", fmtNumber(o.overdue_now), "", null);
    return;
  }
  const statuses = ["registered", "dispatched", "in_progress", "returned", "replied"];
  const counts = await Promise.all(statuses.map((status) => countOrders({ status })));
  setKpi("k-open", fmtNumber(counts.reduce((a, b) => a + b, 0)), "");
  const open = await Promise.all(["dispatched", "in_progress", "returned"].map((status) => api("/api/v1/orders", { query: { status, limit: 1000 } })));
  setKpi("k-overdue", fmtNumber(open.flatMap((p) => p.items).filter((x) => x.overdue).length), "");
}

const charts = {};
function draw(id, option, rows) {
  const node = body(id);
  if (!charts[id] || !node.querySelector(".s-chart")) {
    node.replaceChildren(el("div.s-chart"));
    charts[id] = chart(node.firstChild, option, { theme: "dark", rows });
  } else {
    charts[id].setOption(option, { notMerge: true });
  }
  charts[id].__rows = rows;
}

async function requestFigures() {
  const geography = Promise.all([cityMap(), reference("regions")]); // loads while the figures are computed
  geography.catch(() => {}); // unused when the map falls back; its failure is reported where it is awaited
  const [data, month] = await Promise.all([
    optional("/api/v1/analytics/requests", { query: { created_from: cityDate(0), created_to: cityDate(1) } }).catch(() => null),
    optional("/api/v1/analytics/requests", { query: { created_from: cityDate(-29), created_to: cityDate(1) } }).catch(() => null)]);
  const dark = { backgroundColor: "transparent", textStyle: { fontSize: 16 } };
  if (!data) {
    unavailable("top", "/api/v1/analytics/requests");
    unavailable("rising", "");
  } else {
    const top = (data.top_categories || []).slice(0, 8);
    const option = barOption(top.map((r) => r.name || r.key), top.map((r) => r.count), { horizontal: true, color: "#36a3ff" });
    option.yAxis.axisLabel = { ...option.yAxis.axisLabel, fontSize: 18, color: "#cfe3ff" };
    option.xAxis.axisLabel = { fontSize: 14 };
    draw("top", { ...dark, ...option }, top);
    const rising = (data.rising_categories || month?.rising_categories || []).slice(0, 6);
    body("rising").replaceChildren(rising.length ? el("ol.s-list", {}, rising.map((r) => el("li", { onclick: () => window.open(drillHref(r.drill), "_blank") },
      el("span", {}, r.name || r.key), el("b.up", {}, `▲${r.change}${r.change_rate != null ? " " + fmtRate(r.change_rate) : ""}`)))) : el("div.s-na", {}, "—"));
  }
  const rows = month?.by_district;
  if (!rows) return mapFallback();
  const [map, regions] = await geography;
  if (!map) return unavailable("map", "/api/v1/city/map");
  const found = Object.fromEntries(rows.map((r) => [r.key, r]));
  const districts = regions.filter((r) => r.level === "district");
  const shaded = districts.map((d) => ({ code: d.code, name: d.name, value: found[d.code]?.per_10k_residents ?? 0,
    drill: found[d.code]?.drill || { district: d.code, created_from: cityDate(-29) } }));
  draw("map", { ...dark, ...mapOption(shaded, { dark: true, title: t("district_map") }) }, shaded);
}

async function mapFallback() {
  const [map, regions] = await Promise.all([cityMap(), reference("regions")]);
  if (!map) return unavailable("map", "/api/v1/city/map");
  const from = cityDate(-29);
  const districts = regions.filter((r) => r.level === "district");
  const counts = await Promise.all(districts.map((r) => countOrders({ district: r.code, created_from: from })));
  const rows = districts.map((r, i) => ({ code: r.code, name: r.name, value: r.population ? +(counts[i] / r.population * 10000).toFixed(2) : 0, drill: { district: r.code, created_from: from } }));
  draw("map", { backgroundColor: "transparent", ...mapOption(rows, { dark: true, title: t("district_map") }) }, rows);
}

async function league() {
  const from = cityDate(-29);
  const data = await optional("/api/v1/analytics/efficiency", { query: { created_from: from } }).catch(() => null);
  if (!data) return unavailable("league", "/api/v1/analytics/efficiency");
  const rows = (data.departments || []).slice(0, 8);
  body("league").replaceChildren(el("table.s-table", {}, el("tr", {}, ["#", t("department"), "得分", t("overdue")].map((h) => el("th", {}, h))),
    rows.map((r, i) => el("tr", { onclick: () => window.open(drillHref(r.drill), "_blank") }, el("td", {}, r.rank ?? i + 1), el("td", {}, r.name || r.key),
      el("td", {}, r.adjusted_score != null ? r.adjusted_score.toFixed(1) : "–"), el("td", {}, fmtNumber(r.overdue_now))))));
}

function alertText(a) {
  const kind = label("al", a.kind);
  if (a.title || a.message) return a.title || a.message;
  return a.name ? `${a.name} · ${kind}` : kind;
}

async function alerts(overview) {
  const data = await optional("/api/v1/alerts", { query: { limit: 6 } }).catch(() => null);
  const items = (data && (data.items || data.alerts)) || (overview && overview.alerts) || null;
  if (!items) return unavailable("alerts", "/api/v1/alerts");
  body("alerts").replaceChildren(items.length ? el("ul.s-list", {}, items.slice(0, 6).map((a) => el("li.lvl-" + (a.level || a.severity || "info"), {},
    el("span", {}, alertText(a)), el("b", {}, a.count ?? a.today ?? "")))) : el("div.s-na", {}, "—"));
}

// ---- ticker and live ----------------------------------------------------------------------------------
let todayCount = 0;
const tickerItems = document.getElementById("ticker-items");
function tick(order, fresh = false) {
  const item = el("li" + (fresh ? ".fresh" : ""), { dataset: { number: order.number } },
    el("span.s-time", {}, (order.created_at || order.at || "").slice(11, 16)),
    el("span.s-num", {}, order.number), el("span.s-cat", {}, order.category_name || order.category || ""),
    el("span.s-sum", {}, maskText(order.summary)));
  tickerItems.prepend(item);
  while (tickerItems.childElementCount > 6) tickerItems.lastChild.remove();
}

async function ticker() {
  const latest = await api("/api/v1/orders", { query: { limit: 12 } });
  tickerItems.replaceChildren();
  for (const order of latest.items.reverse()) tick(order);
}

// Every panel loads at once (those that read the overview wait only for it); `first` adds the ticker's load.
async function refresh(first = null) {
  const overview = optional("/api/v1/analytics/overview").catch(() => null);
  const panels = await Promise.allSettled([first, intake(), calls(), overview.then(orders), requestFigures(), league(), overview.then(alerts)]);
  panels.filter((p) => p.status === "rejected").forEach((p) => console.error("screen panel failed:", p.reason));
  markReady(panels.every((p) => p.status === "fulfilled") ? "yes" : "error");
}

let pending;
liveEvents((type, event) => {
  if (type === "order" && event.action === "register") {
    tick(event, true);
    todayCount += 1;
    document.querySelector("#k-intake .s-value").textContent = fmtNumber(todayCount);
  }
  clearTimeout(pending);
  pending = setTimeout(refresh, 3000);
}, (state) => liveDot.classList.toggle("off", state !== "open"));

let zoneName = "Asia/Shanghai";
const showTime = () => (clock.textContent = new Date().toLocaleString(lang() === "en" ? "en-GB" : "zh-CN", { hour12: false, timeZone: zoneName }));
setInterval(showTime, 1000);
setInterval(refresh, 60000);
const city = await optional("/api/v1/city").catch(() => null);
if (city) {
  setZone(city.timezone);
  zoneName = city.timezone || zoneName;
  title.textContent = `${lang() === "en" ? city.name_en || city.name : city.name} · ${t("app")}`;
}
showTime();
await refresh(ticker());
