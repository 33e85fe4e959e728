// One order as people read it: its facts, the deadline countdown, the action bar and the full timeline.

import { actionBar } from "./actions.js";
import { api } from "./api.js";
import { label, t } from "./i18n.js";
import { countdown, el, fmtTime, statusBadge } from "./ui.js";

const CHANGE_NAMES = {
  department: "department", co_departments: "co_departments", reason: "reason", note: "note", reply: "reply",
  satisfaction: "satisfaction", resolved: "resolved", extension_pending_days: "days", extension_days: "days",
  into: "into", merged_into: "into", status: "status", article_id: "kb_article", opinion: "opinion",
  co_department: "co_department",
};

/** The deadline that matters now: signing while dispatched, finishing while in hand. */
export function dueOf(order) {
  if (order.status === "dispatched") return order.sign_due_at;
  if (["in_progress", "returned"].includes(order.status)) return order.finish_due_at;
  return null;
}

export function dueCell(order, due = dueOf(order)) {
  if (!due) return el("span.muted", {}, "—");
  const c = countdown(due);
  return el(`span.due.${c.cls}`, { title: fmtTime(due, true), dataset: { due } }, c.text);
}

function facts(order) {
  const rows = [
    ["number", order.number], ["status", statusBadge(order)], ["created_at", fmtTime(order.created_at, true)],
    ["channel", label("c", order.channel)], ["request_type", label("t", order.request_type)], ["urgency", label("u", order.urgency)],
    ["citizen_name", order.citizen_name], ["citizen_phone", order.citizen_phone],
    ["district", [order.district_name, order.street_name, order.community_name].filter(Boolean).join(" / ")],
    ["address", order.address], ["category", [order.category_l1_name, order.category_name].filter(Boolean).join(" / ")],
    ["department", order.department_name || order.department],
    ["co_departments", (order.co_department_names || order.co_departments || []).join("、")],
    ["sign_due_at", fmtTime(order.sign_due_at, true)], ["finish_due_at", order.finish_due_at ? [fmtTime(order.finish_due_at, true), " ", dueCell(order, ["closed", "replied", "merged"].includes(order.status) ? null : order.finish_due_at)] : ""],
    ["return_reason", order.return_reason], ["reply", order.reply],
    ["satisfaction", order.satisfaction ? label("sat", order.satisfaction) + (order.resolved === false ? " · " + t("no") : "") : ""],
  ];
  return el("dl.facts", {}, rows.filter(([, v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length))
    .map(([k, v]) => [el("dt", {}, t(k)), el("dd", { dataset: { field: k } }, v)]));
}

const NAMED = { district: "district_name", street: "street_name", community: "community_name", category: "category_name",
  category_l1: "category_l1_name", department: "department_name" };

function changesText(changes, order) {
  return Object.entries(changes || {})
    .filter(([name]) => CHANGE_NAMES[name] || name === "category" || name === "district")
    .map(([name, value]) => {
      const shown = Array.isArray(value) ? value.join("、") : typeof value === "boolean" ? (value ? t("yes") : t("no"))
        : name === "status" ? label("s", value) : name === "satisfaction" ? label("sat", value)
        : NAMED[name] && order[name] === value && order[NAMED[name]] ? order[NAMED[name]] : value;
      return `${t(CHANGE_NAMES[name] || name)}：${shown}`;
    }).join("；");
}

/** The timeline: every event, oldest first. */
export async function timeline(order) {
  const data = await api(`/api/v1/orders/${encodeURIComponent(order.number)}/events`);
  return el("ol.timeline", {}, data.items.map((event) =>
    el("li", { dataset: { action: event.action } },
      el("span.when", {}, fmtTime(event.at, true)),
      el("strong", {}, label("a", event.action)),
      el("span.by", {}, `${event.actor} (${label("r", event.actor_role)})`),
      event.to_status ? el("span.badge.st-" + event.to_status, {}, label("s", event.to_status)) : null,
      el("div.changes", {}, changesText(event.changes, order)))));
}

/** The full view of one order for the signed-in user; `onChange(order)` after an action. */
export async function orderView(order, onChange) {
  const holder = el("article.order", { dataset: { number: order.number, status: order.status } });
  const render = async (current) => {
    holder.dataset.status = current.status;
    const line = await timeline(current);
    holder.replaceChildren(
      el("header.order-head", {}, el("h2", {}, el("a", { href: `/orders/${encodeURIComponent(current.number)}` }, current.number)), statusBadge(current)),
      el("p.content", {}, current.content),
      actionBar(current, async (updated, action) => {
        await render(updated);
        onChange && onChange(updated, action);
      }),
      facts(current),
      el("h3", {}, t("timeline")), line);
  };
  await render(order);
  return holder;
}
