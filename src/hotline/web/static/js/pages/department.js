// A department's (or outside unit's) console: the inbox with deadlines and countdowns; sign, return,
// ask for an extension, reply. Orders it co-handles (协办) have their own tab, marked, with the lead's
// deadline, where it gives its opinion to the lead. Works on a phone.

import { allOrders } from "../core/api.js";
import { t } from "../core/i18n.js";
import { workConsole } from "../core/console.js";
import { dueOf } from "../core/order-view.js";

const byDeadline = (orders) => orders.sort((a, b) => (dueOf(a) || "9").localeCompare(dueOf(b) || "9"));
const led = (status) => allOrders({ status, department_role: "lead" }, 1000);
// Open orders it co-handles: waiting for the lead to sign, or in the lead's hands (when an opinion is due).
const coHandled = async () => byDeadline((await Promise.all(["dispatched", "in_progress"].map((status) =>
  allOrders({ status, department_role: "co" }, 1000)))).flat());

workConsole("m_department", [
  { key: "to_sign", title: t("to_sign"), load: async () => byDeadline(await led("dispatched")) },
  { key: "in_hand", title: t("in_hand"), load: async () => byDeadline(await led("in_progress")) },
  { key: "co_handling", title: t("co_handling"), load: coHandled,
    note: (o) => `${t("co_mark")} · ${o.department_name || o.department} · ${o.summary}` },
  { key: "replied", title: t("s_replied"), load: () => allOrders({ status: "replied", department_role: "lead" }, 200) },
]);
