// The analysis pages (/analysis/{module}): the analysis API's filters, then every figure of the module's
// answer as a KPI, a chart and a table; anything carrying `drill` opens the orders behind it.

import { ApiError, api, optional, reference } from "../core/api.js";
import { barOption, chart, cityMap, lineOption, mapOption, pieOption } from "../core/charts.js";
import { label, lang, nameOf, t } from "../core/i18n.js";
import { cityDate, drillHref, el, errorBox, field, fmtNumber, fmtRate, frame, markReady, notAvailable, panel, select, setZone, table } from "../core/ui.js";
import { KEY_NAMES, SKIP } from "./analysis-words.js";

const NO_CHART = new Set(["alerts", "repeat_callers", "missed_not_called_back", "stale_articles"]);
const MODULES = ["overview", "requests", "calls", "knowledge", "efficiency", "summary"];
const module = location.pathname.split("/").pop();
const { main } = frame("mod_" + module);
const params = new URLSearchParams(location.search);

const keyName = (key) => (KEY_NAMES[key] ? KEY_NAMES[key][lang() === "en" ? 1 : 0] : key.replace(/_/g, " "));
const isRatio = (v) => v && typeof v === "object" && "rate" in v && "denominator" in v;
const isChange = (v) => v && typeof v === "object" && "current" in v && "previous" in v && "change" in v;
const isRows = (v) => Array.isArray(v) && v.length > 0 && v.every((x) => x && typeof x === "object" && !Array.isArray(x));
const isTime = (key) => typeof key === "string" && /^\d{4}-\d{2}-\d{2}T/.test(key);

// ---- filters -------------------------------------------------------------------------------------
const city = await optional("/api/v1/city").catch(() => null);
setZone(city && city.timezone);
const defaults = { created_from: cityDate(-29), created_to: cityDate(1) };
const value = (name) => params.get(name) ?? defaults[name] ?? "";
// The figures are asked for now, while the form's choices load: the URL already holds every filter.
const FILTERS = ["created_from", "created_to", "district", "category", "department", "channel", "request_type", "urgency", "status", "group_by"];
const answer = api(`/api/v1/analytics/${module}`, { query: Object.fromEntries(FILTERS.map((name) => [name, value(name)]).filter(([, v]) => v)) });
answer.catch(() => {}); // its failure is shown below, once the page is built
const [categories, regions, departments] = await Promise.all([reference("categories"), reference("regions"), reference("departments")]).catch(() => [[], [], []]);
const codes = (prefix, list) => list.map((c) => [c, label(prefix, c)]);
const groups = ["day", "week", "month", "hour", "district", "street", "category_l1", "category", "department", "channel", "request_type", "urgency", "status"];
const form = el("form.filters#analysis-filters", {},
  field(t("created_from"), el("input", { type: "date", name: "created_from", value: value("created_from") })),
  field(t("created_to"), el("input", { type: "date", name: "created_to", value: value("created_to") })),
  field(t("district"), select("district", regions.filter((r) => r.level === "district").map((r) => [r.code, nameOf(r)]), value("district"))),
  field(t("category"), select("category", categories.map((c) => [c.code, (c.level === 2 ? "— " : "") + nameOf(c)]), value("category"))),
  field(t("department"), select("department", departments.map((d) => [d.code, nameOf(d)]), value("department"))),
  field(t("channel"), select("channel", codes("c", ["phone", "web", "app", "wechat", "grid", "open311", "email"]), value("channel"))),
  field(t("request_type"), select("request_type", codes("t", ["consult", "help", "complaint", "report", "suggestion", "praise"]), value("request_type"))),
  field(t("urgency"), select("urgency", codes("u", ["normal", "urgent", "critical"]), value("urgency"))),
  field(t("status"), select("status", codes("s", ["registered", "dispatched", "in_progress", "returned", "replied", "closed", "merged"]), value("status"))),
  field(t("group_by"), select("group_by", groups.map((g) => [g, keyName(g)]), value("group_by"))),
  el("button.primary", { type: "submit" }, t("search")));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = new URLSearchParams();
  for (const [name, v] of new FormData(form).entries()) if (v) query.set(name, v);
  location.assign(location.pathname + "?" + query);
});
const tabs = el("nav.tabs#modules", {}, MODULES.map((m) => el("a" + (m === module ? ".on" : ""), { href: `/analysis/${m}?${params}` },
  el("button" + (m === module ? ".on" : ""), { type: "button", tabindex: "-1" }, t("mod_" + m)))));
const results = el("div#results", {}, el("p.muted", {}, t("loading")));
main.append(tabs, form, results);

// ---- rendering ------------------------------------------------------------------------------------
function rowLabel(row) {
  if (row.name) return row.name;
  if (row.kind && row.key === undefined) return label("al", row.kind);
  const k = row.key ?? row.category_name ?? row.title ?? row.caller ?? row.start ?? null;
  if (k === null) return t("none");
  if (isTime(k)) return k.slice(0, 16).replace("T", " ");
  for (const prefix of ["s", "c", "t", "u"]) if (label(prefix, k) !== String(k)) return label(prefix, k);
  if (row.community_name) return `${row.category_name} · ${row.community_name}`;
  return String(k);
}

function metricOf(rows) {
  const first = rows[0];
  for (const name of ["count", "offered", "orders", "adjusted_score", "hits", "searches", "uses", "current"]) if (typeof first[name] === "number") return [name, (r) => r[name]];
  const numeric = Object.keys(first).find((k) => typeof first[k] === "number" && !["lat", "lon", "rank", "population"].includes(k));
  if (numeric) return [numeric, (r) => r[numeric]];
  const ratio = Object.keys(first).find((k) => isRatio(first[k]));
  if (ratio) return [ratio, (r) => r[ratio].rate];
  return [null, null];
}

function columnsOf(rows) {
  const cols = [{ key: "_label", title: "", format: (v, r) => rowLabel(r) }];
  const seen = new Set(["key", "name", "drill", "lat", "lon", "g", "until", "words", "category", "community"]);
  for (const row of rows.slice(0, 20)) for (const [k, v] of Object.entries(row)) {
    if (seen.has(k) || cols.length > 11) continue;
    if (v === null || ["number", "string", "boolean"].includes(typeof v) || isRatio(v) || isChange(v)) {
      seen.add(k);
      cols.push({ key: k, title: keyName(k), format: (x) => (isRatio(x) ? fmtRate(x.rate) : isChange(x) ? fmtNumber(x.change) : typeof x === "number" && /rate|share|occupancy|score/.test(k) && x <= 1 ? fmtRate(x) : x) });
    }
  }
  return cols;
}

function kpi(key, v, drill) {
  let shown;
  let sub = "";
  if (isRatio(v)) {
    shown = fmtRate(v.rate);
    sub = `${fmtNumber(v.numerator)} / ${fmtNumber(v.denominator)}`;
    drill = drill || v.drill;
  } else if (isChange(v)) {
    shown = fmtNumber(v.current);
    sub = `${v.change >= 0 ? "▲" : "▼"} ${fmtNumber(Math.abs(v.change ?? 0))}${v.change_rate != null ? ` (${fmtRate(v.change_rate)})` : ""}`;
    drill = drill || v.drill;
  } else {
    shown = typeof v === "number" && /rate|share/.test(key) && v <= 1 ? fmtRate(v) : fmtNumber(v);
  }
  const node = el("div.kpi" + (drill ? ".clickable" : ""), { dataset: { kpi: key }, title: drill ? t("orders_behind") : "" },
    el("div.k-label", {}, keyName(key)), el("div.k-value", {}, shown), sub ? el("div.k-sub", {}, sub) : null);
  if (drill) node.addEventListener("click", () => location.assign(drillHref(drill)));
  return node;
}

async function rowsSection(key, rows, into) {
  const [box, body] = panel(keyName(key));
  box.dataset.section = key;
  into.append(box);
  const [metric, pick] = metricOf(rows);
  if (metric && !NO_CHART.has(key)) {
    const node = el("div.chart");
    body.append(node);
    const labels = rows.map(rowLabel);
    const values = rows.map((r) => pick(r) ?? 0);
    let option;
    if ((key === "map" || key === "by_district") && (await cityMap())) {
      node.classList.add("tall");
      const per10k = rows[0].per_10k_residents !== undefined ? "per_10k_residents" : rows[0].open_per_10k !== undefined ? "open_per_10k" : metric;
      option = mapOption(rows.map((r) => ({ code: r.key, name: r.name, value: r[per10k] ?? pick(r) })), { title: keyName(per10k) });
    }
    if (!option && isTime(rows[0].key)) option = lineOption(labels, [{ name: keyName(metric), data: values }]);
    if (!option && rows.length <= 7 && /channel|request_type|urgency|status|kind/.test(key)) option = pieOption(rows.map((r, i) => ({ name: labels[i], value: values[i] })));
    option = option || barOption(labels, values, { horizontal: rows.length > 8, name: keyName(metric) });
    chart(node, option, { rows });
  }
  body.append(table(columnsOf(rows), rows, { sheet: `${module}-${key}`, onRow: (r) => location.assign(drillHref(r.drill)), canOpen: (r) => Boolean(r.drill) }));
}

async function render(data, into, depth = 0) {
  const kpis = el("div.kpis");
  into.append(kpis);
  if (depth === 0 && typeof data.total === "number") kpis.append(kpi("total", data.total, data.drill));
  for (const [key, v] of Object.entries(data)) {
    if (SKIP.has(key) || (depth === 0 && key === "total") || v === null || v === undefined) continue;
    if (typeof v === "number" || isRatio(v) || isChange(v)) kpis.append(kpi(key, v, v.drill));
    else if (typeof v === "string" && depth > 0) kpis.append(el("div.kpi", {}, el("div.k-label", {}, keyName(key)), el("div.k-sub", {}, v)));
  }
  for (const [key, v] of Object.entries(data)) {
    if (SKIP.has(key)) continue;
    if (isRows(v)) await rowsSection(key, v, into);
    else if (Array.isArray(v) && v.length && typeof v[0] === "string") {
      const [box, body] = panel(keyName(key));
      body.append(el("ul", {}, v.map((line) => el("li", {}, line))));
      into.append(box);
    }
    else if (v && typeof v === "object" && !Array.isArray(v) && !isRatio(v) && !isChange(v) && depth < 2) {
      const [box, body] = panel(keyName(key));
      box.dataset.section = key;
      into.append(box);
      await render(v, body, depth + 1);
      if (!body.textContent.trim()) box.remove();
    }
  }
  if (!kpis.childElementCount) kpis.remove();
}

try {
  const data = await answer;
  results.replaceChildren();
  await render(data, results);
  markReady();
} catch (error) {
  results.replaceChildren(error instanceof ApiError && error.status === 404 ? notAvailable(`/api/v1/analytics/${module}`) : errorBox(error));
  markReady(error instanceof ApiError && error.status === 404 ? "unavailable" : "error");
}
