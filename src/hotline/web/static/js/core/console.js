// The shape every work console shares: tabs of order lists on the left, the picked order on the right,
// lists refreshed after each action and when the live stream says something changed.

import { api, liveEvents } from "./api.js";
import { t } from "./i18n.js";
import { dueCell, orderView } from "./order-view.js";
import { el, errorBox, fmtTime, frame, statusBadge } from "./ui.js";

/**
 * tabs: [{key, title, load: async () => orders, note?: (order) => text}]
 * extra: async (order) => element shown above the order (e.g. suggestions), or null.
 */
export function workConsole(titleKey, tabs, { extra = null, side = null } = {}) {
  const { who, main } = frame(titleKey);
  const tabBar = el("div.tabs#tabs");
  const list = el("div.queue#queue", { role: "list" });
  const detail = el("div.detail#detail", {}, el("p.muted", {}, t("select_order")));
  const sidePanel = el("div.side");
  main.append(el("div.cols", {}, el("section.panel", {}, el("div.panel-body", {}, tabBar, list)), el("div", {}, el("section.panel", {}, el("div.panel-body", {}, detail)), sidePanel)));
  let current = tabs[0].key;
  let picked = new URLSearchParams(location.search).get("order");
  const counts = {};

  function drawTabs() {
    tabBar.replaceChildren(...tabs.map((tab) => el("button" + (tab.key === current ? ".on" : ""), {
      type: "button", dataset: { tab: tab.key }, onclick: () => { current = tab.key; refresh(); },
    }, `${tab.title}${counts[tab.key] !== undefined ? ` (${counts[tab.key]})` : ""}`)));
  }

  async function pick(order) {
    picked = order.number;
    list.querySelectorAll(".list-item").forEach((n) => n.classList.toggle("selected", n.dataset.number === picked));
    detail.replaceChildren(el("p.muted", {}, t("loading")));
    try {
      const fresh = await api(`/api/v1/orders/${encodeURIComponent(order.number)}`);
      const view = await orderView(fresh, () => refresh());
      const above = extra ? await extra(fresh) : null;
      detail.replaceChildren(...[above, view].filter(Boolean));
      if (window.matchMedia("(max-width: 760px)").matches) detail.scrollIntoView({ behavior: "smooth" });
    } catch (error) {
      detail.replaceChildren(errorBox(error));
    }
  }

  async function refresh() {
    drawTabs();
    const tab = tabs.find((x) => x.key === current);
    try {
      const results = await Promise.all(tabs.map((x) => x.load()));
      tabs.forEach((x, i) => (counts[x.key] = results[i].length));
      drawTabs();
      const orders = results[tabs.indexOf(tab)];
      list.replaceChildren(...(orders.length ? orders.map((o) => el("div.list-item" + (o.number === picked ? ".selected" : ""), {
        role: "listitem", tabindex: "0", dataset: { number: o.number }, onclick: () => pick(o),
        onkeydown: (e) => e.key === "Enter" && pick(o),
      }, el("span.li-title", {}, o.number), el("span", {}, statusBadge(o), " ", dueCell(o)),
        el("span.li-sub", {}, fmtTime(o.created_at), " · ", (tab.note && tab.note(o)) || o.summary))) : [el("p.muted.empty", {}, t("empty"))]));
      if (picked && !detail.querySelector(`[data-number="${CSS.escape(picked)}"]`)) {
        const again = orders.find((o) => o.number === picked);
        if (again) pick(again);
      }
    } catch (error) {
      list.replaceChildren(errorBox(error));
    }
  }

  let pending;
  liveEvents(() => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 800);
  });
  setInterval(() => document.querySelectorAll("[data-due]").forEach((node) => node.replaceWith(dueCell(dueOrder(node)))), 30000);
  refresh();
  if (side) side(sidePanel);
  return { who, refresh };
}

const dueOrder = (node) => ({ status: "in_progress", finish_due_at: node.dataset.due });
