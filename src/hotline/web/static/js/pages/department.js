// A department's (or outside unit's) console: the inbox with deadlines and countdowns; sign, return,
// ask for an extension, reply. Works on a phone.

import { allOrders } from "../core/api.js";
import { t } from "../core/i18n.js";
import { workConsole } from "../core/console.js";
import { dueOf } from "../core/order-view.js";

const byDeadline = (orders) => orders.sort((a, b) => (dueOf(a) || "9").localeCompare(dueOf(b) || "9"));

workConsole("m_department", [
  { key: "to_sign", title: t("to_sign"), load: async () => byDeadline(await allOrders({ status: "dispatched" }, 1000)) },
  { key: "in_hand", title: t("in_hand"), load: async () => byDeadline(await allOrders({ status: "in_progress" }, 1000)) },
  { key: "replied", title: t("s_replied"), load: () => allOrders({ status: "replied" }, 200) },
]);
