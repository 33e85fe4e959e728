"""Small vocabularies (actors, statuses, actions, change records) that events index by number."""

from __future__ import annotations

import json

ACTIONS = ("register", "dispatch", "sign", "return", "extend", "approve_extension", "deny_extension",
           "reply", "callback", "close", "reopen", "supervise", "merge")
STATUSES = ("registered", "dispatched", "in_progress", "returned", "replied", "closed", "merged")
ROLES = ("call_taker", "dispatcher", "handler", "supervisor")


class Actors:
    """Every actor name the simulator uses, by index, with each one's role."""

    def __init__(self, n_agents: int, dept_codes: list[str]):
        names, roles = [], []

        def block(items, role):
            start = len(names)
            names.extend(items)
            roles.extend([role] * len(items))
            return start

        self.agent0 = block([f"A{k + 1:04d}" for k in range(n_agents)], 0)
        self.desk0 = block([f"web{k + 1:02d}" for k in range(4)], 0)
        self.dispatcher0 = block([f"dispatcher{k + 1:02d}" for k in range(6)], 1)
        self.supervisor0 = block([f"supervisor{k + 1:02d}" for k in range(3)], 3)
        self.callback0 = block([f"callback{k + 1:02d}" for k in range(8)], 0)
        self.handler0 = block([f"handler-{c}" for c in dept_codes], 2)
        self.names = names
        self.roles = roles


def _j(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


class Changes:
    """The fixed change records ({"department": "ZJJ"} …) by index; merges get their own rows."""

    def __init__(self, channels, dept_codes, return_reasons, extension_days, extension_reasons):
        items: list[str] = []

        def block(values):
            start = len(items)
            items.extend(values)
            return start

        self.empty = block(["{}"])
        self.register0 = block([_j({"channel": c}) for c in channels])
        self.direct = block([_j({"closed_directly": True})])
        self.dispatch0 = block([_j({"department": d}) for d in dept_codes])
        self.return0 = block([_j({"reason": r}) for r in return_reasons])
        self.n_ext_reasons = len(extension_reasons)
        self.extend0 = block([_j({"days": d, "reason": r}) for d in extension_days for r in extension_reasons])
        self.approve0 = block([_j({"days": d}) for d in extension_days])
        self.supervise0 = block([_j({"note": "超期督办"}), _j({"note": "重点督办"})])
        self.callback0 = block([_j({"satisfaction": s, "resolved": r}) for s in ("satisfied", "basic", "dissatisfied") for r in (True, False)])
        self.reopen0 = block([_j({"department": d, "reason": "回访不满意，重新办理"}) for d in dept_codes])
        self.items = items
