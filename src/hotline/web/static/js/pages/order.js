// One order: every fact (the citizen's data masked by role), the actions the role may take, the full timeline.

import { api } from "../core/api.js";
import { orderView } from "../core/order-view.js";
import { errorBox, frame } from "../core/ui.js";

const { main } = frame("details");
const number = decodeURIComponent(location.pathname.split("/").pop());
try {
  const order = await api(`/api/v1/orders/${encodeURIComponent(number)}`);
  main.append(await orderView(order));
} catch (error) {
  main.append(errorBox(error));
}
