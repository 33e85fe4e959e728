// The supervisor's console: overdue and near-deadline orders, supervision notices, callbacks to make,
// orders to close and recently closed ones to reopen; the latest alerts at the side.

import { allOrders, optional } from "../core/api.js";
import { t } from "../core/i18n.js";
import { workConsole } from "../core/console.js";
import { dueOf } from "../core/order-view.js";
import { el, fmtTime, notAvailable, panel } from "../core/ui.js";

const NEAR_MS = 24 * 3600 * 1000;
let openCache = null;
let openAt = 0;
async function openOrders() {
  if (!openCache || Date.now() - openAt > 1500) {
    openAt = Date.now();
    openCache = Promise.all(["registered", "dispatched", "in_progress", "returned"].map((status) => allOrders({ status }, 1000))).then((lists) => lists.flat());
  }
  return openCache;
}
const soonest = (orders) => orders.sort((a, b) => (dueOf(a) || "9").localeCompare(dueOf(b) || "9"));

async function alerts(holder) {
  const [box, body] = panel(t("alerts"));
  holder.append(box);
  const data = await optional("/api/v1/alerts", { query: { limit: 10 } }).catch(() => null);
  if (!data) return body.append(notAvailable("/api/v1/alerts"));
  const items = data.items || data.alerts || [];
  body.append(items.length ? el("div#alerts", {}, items.slice(0, 10).map((a) => el("div.list-item", {},
    el("span.li-title", {}, a.title || a.name || a.kind), el("span.badge", {}, a.level || a.severity || ""),
    el("span.li-sub", {}, fmtTime(a.at || a.created_at || a.raised_at), " ", a.message || a.summary || "")))) : el("p.muted", {}, t("empty")));
}

workConsole("m_supervise", [
  { key: "overdue", title: t("overdue_orders"), load: async () => soonest((await openOrders()).filter((o) => o.overdue)) },
  { key: "near", title: t("near_deadline"), load: async () => soonest((await openOrders()).filter((o) => {
    const due = dueOf(o);
    return !o.overdue && due && new Date(due).getTime() - Date.now() < NEAR_MS;
  })) },
  { key: "callbacks", title: t("callbacks_to_make"), load: async () => (await allOrders({ status: "replied" }, 1000)).filter((o) => !o.callback_at), note: (o) => o.reply },
  { key: "to_close", title: t("to_close"), load: async () => (await allOrders({ status: "replied" }, 1000)).filter((o) => o.callback_at) },
  { key: "supervised", title: t("supervised"), load: async () => (await openOrders()).filter((o) => o.supervision_count > 0) },
  { key: "closed", title: t("recently_closed"), load: () => allOrders({ status: "closed", created_from: new Date(Date.now() - 30 * 86400000).toISOString() }, 200) },
], { side: alerts });
