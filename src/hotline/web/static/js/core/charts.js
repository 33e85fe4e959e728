// ECharts (vendored, loaded as window.echarts) behind a few helpers; a click on a figure drills down.

import { api } from "./api.js";
import { drillHref } from "./ui.js";

const charts = new Set();
window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));

/** A chart in `node`; rows carrying `drill` open the orders behind them when clicked. */
export function chart(node, option, { theme = null, rows = null, onClick = null } = {}) {
  const instance = window.echarts.init(node, theme, { renderer: "canvas" });
  instance.setOption({ animationDuration: 300, ...option });
  node.dataset.chart = "drawn";
  instance.__rows = rows;
  instance.on("click", (params) => {
    if (onClick) return onClick(params);
    const row = instance.__rows && instance.__rows[params.dataIndex];
    if (row && row.drill) location.assign(drillHref(row.drill));
  });
  charts.add(instance);
  return instance;
}

/** Bar chart of rows [{label, value}] (horizontal when there are many or long labels). */
export function barOption(labels, values, { horizontal = false, color = "#2f6fdd", name = "" } = {}) {
  const category = { type: "category", data: labels, axisLabel: { interval: 0, width: 120, overflow: "truncate" } };
  const value = { type: "value" };
  return {
    tooltip: { trigger: "axis" },
    grid: { left: horizontal ? 130 : 48, right: 24, top: 24, bottom: horizontal ? 24 : 64 },
    xAxis: horizontal ? value : { ...category, axisLabel: { ...category.axisLabel, rotate: labels.length > 6 ? 30 : 0 } },
    yAxis: horizontal ? { ...category, inverse: true } : value,
    series: [{ type: "bar", name, data: values, itemStyle: { color }, barMaxWidth: 36 }],
  };
}

/** Line chart over time labels. */
export function lineOption(labels, series) {
  return {
    tooltip: { trigger: "axis" },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: 48, right: 24, top: series.length > 1 ? 32 : 16, bottom: 40 },
    xAxis: { type: "category", data: labels, boundaryGap: false },
    yAxis: { type: "value" },
    series: series.map((s) => ({ type: "line", smooth: true, showSymbol: labels.length < 40, areaStyle: { opacity: 0.08 }, ...s })),
  };
}

/** Pie chart of [{name, value}]. */
export function pieOption(data) {
  return {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    series: [{ type: "pie", radius: ["35%", "68%"], data, label: { formatter: "{b}\n{d}%" } }],
  };
}

let mapPromise = null;
/** Register the city's district map (GET /api/v1/city/map) once; resolves to the map name or null. */
export function cityMap() {
  mapPromise = mapPromise || api("/api/v1/city/map").then((geojson) => {
    for (const feature of geojson.features || []) {
      const props = feature.properties || {};
      props.name = props.adcode ? String(props.adcode) : props.name; // key by region code, names shown by nameMap
      feature.properties = props;
    }
    window.echarts.registerMap("city", geojson);
    return "city";
  }).catch(() => null);
  return mapPromise;
}

/** Choropleth option: rows [{code, name, value, drill}] shaded by value. */
export function mapOption(rows, { dark = false, title = "" } = {}) {
  const max = Math.max(1, ...rows.map((r) => r.value || 0));
  const names = Object.fromEntries(rows.map((r) => [r.code, r.name]));
  return {
    tooltip: { trigger: "item", formatter: (p) => `${names[p.name] || p.name}<br>${title}: ${p.value ?? "–"}` },
    visualMap: {
      min: 0, max, calculable: true, left: 16, bottom: 16, itemHeight: 120,
      inRange: { color: dark ? ["#12315c", "#1f6fd1", "#f5b342", "#e5484d"] : ["#e8f1ff", "#4f8ff7", "#f5a524", "#d9363e"] },
      textStyle: { color: dark ? "#cfe3ff" : "#333" },
    },
    series: [{
      type: "map", map: "city", roam: false, data: rows.map((r) => ({ name: r.code, value: r.value })),
      label: { show: true, color: dark ? "#fff" : "#222", fontSize: dark ? 16 : 12, formatter: (p) => names[p.name] || p.name },
      itemStyle: { borderColor: dark ? "#7fb2ff" : "#fff", borderWidth: 1 },
      emphasis: { label: { color: "#fff" }, itemStyle: { areaColor: "#ffb020" } },
    }],
  };
}
