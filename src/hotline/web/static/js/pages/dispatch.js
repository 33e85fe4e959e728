// The dispatcher's console: new and returned orders (with suggested departments), extension requests,
// and incidents (groups of similar open orders) to dispatch or close together.

import { allOrders, optional } from "../core/api.js";
import { t } from "../core/i18n.js";
import { workConsole } from "../core/console.js";
import { el } from "../core/ui.js";
import { incidentsPanel } from "./dispatch-incidents.js";

const oldestFirst = (orders) => orders.sort((a, b) => a.created_at.localeCompare(b.created_at));

async function suggestion(order) {
  const nlp = await optional("/api/v1/nlp/suggest", { method: "POST", body: { content: order.content, district: order.district || undefined } })
    .catch(() => null);
  const departments = (nlp && nlp.department) || [];
  const parts = [];
  if (order.return_reason && order.status === "returned") parts.push(el("div.error.return-reason", {}, `${t("return_reason")}：${order.return_reason}`));
  if (departments.length) {
    parts.push(el("div.suggest#dept-suggestions", {}, el("span.muted", {}, t("suggestions") + "："),
      departments.slice(0, 3).map((d) => el("button.chip", {
        type: "button", title: (d.words || []).join(" "),
        onclick: () => {
          const select = document.querySelector("form[data-action=dispatch] select[name=department]");
          if (select) select.value = d.code;
          else document.querySelector("button.act-dispatch")?.click();
          setTimeout(() => { const s = document.querySelector("form[data-action=dispatch] select[name=department]"); if (s) s.value = d.code; }, 50);
        },
      }, `${d.name} ${Math.round(d.probability * 100)}%`))));
  }
  return parts.length ? el("div.console-extra", {}, ...parts) : null;
}

workConsole("m_dispatch", [
  { key: "new", title: t("new_orders"), load: async () => oldestFirst(await allOrders({ status: "registered" }, 1000)) },
  { key: "returned", title: t("returned_orders"), load: async () => oldestFirst(await allOrders({ status: "returned" }, 1000)), note: (o) => `${t("return_reason")}：${o.return_reason}` },
  { key: "extensions", title: t("extension_requests"), load: async () => (await allOrders({ status: "in_progress" }, 1000)).filter((o) => o.extension_pending_days != null), note: (o) => `${o.extension_pending_days}天 · ${o.extension_reason}` },
], { extra: suggestion, side: incidentsPanel });
