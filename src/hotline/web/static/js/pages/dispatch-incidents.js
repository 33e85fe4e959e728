// The dispatcher's incidents panel (剖析一个，解决一片): open orders the server grouped as one incident,
// dispatched to one department or closed with one answer together (POST /api/v1/orders/batch/{action}).

import { api, reference } from "../core/api.js";
import { t } from "../core/i18n.js";
import { el, errorBox, field, panel, select, toast } from "../core/ui.js";

const SHOWN = 8;
const nameOf = (d) => d.name || d.code;

async function members(numbers) {
  const orders = [];
  for (let i = 0; i < numbers.length; i += 20) {  // a few requests at a time, every member read
    orders.push(...await Promise.all(numbers.slice(i, i + 20).map((n) => api(`/api/v1/orders/${encodeURIComponent(n)}`).catch(() => null))));
  }
  return orders.filter(Boolean);
}

async function actOnAll(action, numbers, fields, done) {
  try {
    const result = await api(`/api/v1/orders/batch/${action}`, { method: "POST", body: { numbers, ...fields } });
    toast(`${t("incident_done")}：${result.total}`);
    done();
  } catch (error) {
    toast(error.message, "error");
  }
}

async function incidentView(numbers, done) {
  const orders = await members(numbers);
  const departments = (await reference("departments")).filter((d) => d.active !== false);
  // What the lifecycle allows: dispatch from registered or returned; close from registered, or replied
  // once the citizen was called back.
  const numbersOf = (keep) => orders.filter(keep).map((o) => o.number);
  const toDispatch = numbersOf((o) => o.status === "registered" || o.status === "returned");
  const toClose = numbersOf((o) => o.status === "registered" || (o.status === "replied" && o.callback_at));
  const department = select("department", departments.map((d) => [d.code, nameOf(d)]), "", { required: true });
  const reply = el("textarea", { name: "reply", rows: 2, placeholder: t("incident_reply_hint") });
  const unread = numbers.length - orders.length;
  return el("div.incident-detail", {},
    unread ? el("p.error", {}, `${t("incident_unread")}：${unread}`) : null,
    el("ul.incident-orders", {}, orders.map((o) => el("li", {}, el("a", { href: `/orders/${encodeURIComponent(o.number)}` }, o.number), " ", o.summary || o.content || ""))),
    el("form.incident-act", { dataset: { act: "dispatch" }, onsubmit: (e) => { e.preventDefault(); actOnAll("dispatch", toDispatch, { department: department.value }, done); } },
      field(t("department"), department), el("button", { type: "submit", disabled: !toDispatch.length }, `${t("incident_dispatch")} (${toDispatch.length})`)),
    el("form.incident-act", { dataset: { act: "close" }, onsubmit: (e) => { e.preventDefault(); actOnAll("close", toClose, { reply: reply.value }, done); } },
      field(t("reply"), reply, true), el("button", { type: "submit", disabled: !toClose.length }, `${t("incident_close")} (${toClose.length})`)));
}

export async function incidentsPanel(holder) {
  const [box, body] = panel(t("incidents"));
  holder.append(box);
  async function load() {
    let data;
    try {
      data = await api("/api/v1/nlp/incidents", { query: { min_size: 3 } });
    } catch (error) {
      return body.replaceChildren(el("p.muted", {}, error.message));
    }
    const items = data.items.slice(0, SHOWN);
    body.replaceChildren(items.length ? el("div#incidents", {}, items.map((item) => {
      const detail = el("div");
      return el("div.list-item.incident", {
        role: "listitem", tabindex: "0",
        onclick: async (e) => {
          if (detail.contains(e.target)) return;
          detail.replaceChildren(el("p.muted", {}, t("loading")));
          detail.replaceChildren(await incidentView(item.orders, load).catch(errorBox));
        },
      }, el("span.li-title", {}, `${item.size} ${t("incident_orders")}`), el("span.li-sub", {}, item.orders.slice(0, 3).join(" · ")), detail);
    })) : el("p.muted", {}, t("empty")));
  }
  await load();
}
