// Orders for any filter of GET /api/v1/orders (where every figure of the analysis pages drills down to).

import { api } from "../core/api.js";
import { label, t } from "../core/i18n.js";
import { dueCell } from "../core/order-view.js";
import { el, errorBox, field, fmtTime, frame, panel, select, statusBadge, table } from "../core/ui.js";

const FILTERS = ["status", "district", "street", "community", "category", "department", "channel", "request_type",
  "urgency", "created_from", "created_to", "q"];
const PAGE = 50;
const { main } = frame("m_orders");
const params = new URLSearchParams(location.search);
const offset = Number(params.get("offset") || 0);

const statusOptions = ["registered", "dispatched", "in_progress", "returned", "replied", "closed", "merged"].map((s) => [s, label("s", s)]);
const form = el("form.filters#order-filters", {},
  field(t("status"), select("status", statusOptions, params.get("status") || "")),
  field(t("search"), el("input", { name: "q", value: params.get("q") || "", placeholder: t("content") + " / " + t("number") })),
  ...FILTERS.filter((f) => !["status", "q"].includes(f) && params.get(f))
    .map((f) => field(t(f), el("input", { name: f, value: params.get(f) }))),
  el("button.primary", { type: "submit" }, t("search")));
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form).entries()) if (value) query.set(name, value);
  location.assign("/orders?" + query);
});
const [box, body] = panel(t("m_orders"));
main.append(form, box);

const query = Object.fromEntries(FILTERS.filter((f) => params.get(f)).map((f) => [f, params.get(f)]));
try {
  const data = await api("/api/v1/orders", { query: { ...query, limit: PAGE, offset } });
  const columns = [
    { key: "number", title: t("number"), link: (o) => `/orders/${encodeURIComponent(o.number)}` },
    { key: "created_at", title: t("created_at"), format: (v) => fmtTime(v, true) },
    { key: "status", title: t("status"), format: (v, o) => statusBadge(o), exportValue: (o) => label("s", o.status) },
    { key: "summary", title: t("summary") },
    { key: "district_name", title: t("district") },
    { key: "category_name", title: t("category") },
    { key: "department_name", title: t("department") },
    { key: "finish_due_at", title: t("finish_due_at"), format: (v, o) => dueCell(o), exportValue: (o) => fmtTime(o.finish_due_at, true) },
  ];
  const pager = el("div.pager", {},
    el("span#orders-total", { dataset: { total: data.total } }, `${t("total")}: ${data.total}`),
    offset > 0 ? el("a", { href: "?" + new URLSearchParams({ ...query, offset: Math.max(0, offset - PAGE) }) }, "‹") : null,
    ` ${offset + 1}–${Math.min(offset + PAGE, data.total)} `,
    offset + PAGE < data.total ? el("a", { href: "?" + new URLSearchParams({ ...query, offset: offset + PAGE }) }, "›") : null);
  body.append(pager, table(columns, data.items, { sheet: "orders", onRow: (o) => location.assign(`/orders/${encodeURIComponent(o.number)}`) }));
} catch (error) {
  body.append(errorBox(error));
}
