"""The SQL quality checks give exactly the flags of the Python reference checks (quality.py)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from hotline.analytics.quality import build_reference, order_flags
from hotline.analytics.quality_sql import flag_select

DISTRICTS = [("620302", "金川区"), ("620321", "永昌县"), ("620399", "新城")]
CATEGORIES = [("01", "城市管理", None), ("0101", "路灯照明", "01"), ("0102", "其他城管问题", "01"),
              ("02", "供水供暖", None), ("0201", "供暖缴费", "02"), ("03", "其他", None), ("0301", "咨询", "03")]
CONTENTS = ["小区门口路灯坏了好几天了", "", None, "  短  ", "路灯", "你好，，。。！！请问供暖费在哪里缴纳呀？？",
            "abc def ghi jkl", "\u3000\u3000供暖\u3000\u3000缴费问题反映一下啊", "路-灯[坏]了（好）几“天”了！", "照明"]
REPLIES = [None, "", "已处理", "已处理。", "已 办 结 ！", "已安排维修人员到现场处理，路灯已经修复", "经核实，问题已处理完毕",
           "供暖缴费可在社区服务中心办理", "ok", "\u3000", "相关部门已经联系市民进行处理", "路灯照明已恢复正常，感谢反映"]
ADDRESSES = [None, "", "   ", "\u3000\t", "金川区新华路", "永昌县某村", "金川区永昌路", "新城小区", "某某路1号"]


def test_sql_flags_equal_the_python_flags_on_awkward_texts():
    ref = build_reference(DISTRICTS, [(c, n, p) for c, n, p in CATEGORIES])
    rows = []
    for i, content in enumerate(CONTENTS):
        for j, reply in enumerate(REPLIES):
            for k, address in enumerate(ADDRESSES):
                n = len(rows)
                rows.append({"id": n, "content": content, "reply": reply, "address": address,
                             "district": [None, "620302", "620321", "620399", "", "999999"][(i + k) % 6],
                             "category": [None, "0101", "0102", "0201", "0301", "01", "nope"][(j + k + i) % 7],
                             "replied_at": None if (i + j) % 3 == 0 else "2025-01-01 10:00:00",
                             "closed_directly": [None, False, True][(j + k) % 3]})
    batch = pa.Table.from_pylist(rows)
    columns = {n: batch.column(n).to_pylist() for n in
               ("content", "reply", "address", "district", "category", "replied_at", "closed_directly")}
    expected = order_flags(columns, ref)
    con = duckdb.connect()
    con.register("_batch", batch)
    got = con.sql(flag_select(ref, "_batch") + " ORDER BY id").to_arrow_table()
    for name, values in expected.items():
        assert got.column(name).to_pylist() == values, name
