"""Work-order quality checks (工单质量), pure: registration and reply faults of one order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MIN_CONTENT_CHARS = 10
MIN_REPLY_CHARS = 15
# Replies that say nothing about the case; compared after punctuation and spaces are removed.
BOILERPLATE = frozenset({
    "已处理", "已办理", "已办结", "已解决", "已回复", "已联系", "已答复", "已核实", "已转办", "已转交相关部门",
    "已转相关部门处理", "已联系诉求人", "已与诉求人联系", "情况属实已处理", "已按规定处理", "已处理完毕", "处理完毕",
    "已知悉", "收到", "好的", "无",
})
_PUNCT = re.compile(r"[\s，。、！？；：,.!?;:\"'“”‘’（）()【】\[\]-]+")
_CJK = re.compile(r"[\u4e00-\u9fff]+")
# Bigrams too common in requests and replies to show that a reply addresses the request.
_STOP_BIGRAMS = frozenset({"已经", "我们", "你们", "进行", "相关", "部门", "问题", "情况", "反映", "诉求", "处理",
                           "联系", "市民", "群众", "工作", "单位", "没有", "一个", "现在", "这个"})

FLAGS = (
    "q_missing_place", "q_missing_category", "q_missing_address", "q_content_short",
    "q_district_mismatch", "q_category_mismatch",
    "r_missing", "r_short", "r_boilerplate", "r_off_topic",
)
REGISTRATION_FLAGS = FLAGS[:6]
REPLY_FLAGS = FLAGS[6:]


@dataclass(frozen=True)
class QualityReference:
    """What the checks need from reference data: district names and category keywords."""

    district_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # code → names to look for
    category_keywords: dict[str, frozenset[str]] = field(default_factory=dict)  # code → bigrams


def bigrams(text: str) -> set[str]:
    """Chinese character bigrams of the text (runs of CJK characters only)."""
    out: set[str] = set()
    for run in _CJK.findall(text or ""):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def build_reference(districts: list[tuple[str, str]], categories: list[tuple[str, str, str | None]]) -> QualityReference:
    """From (code, name) districts and (code, name, parent) categories."""
    names = {}
    for code, name in districts:
        short = name[:-1] if len(name) > 2 and name[-1] in "区县市旗" else name
        names[code] = tuple({name, short})
    by_code = {code: (name, parent) for code, name, parent in categories}
    keywords = {}
    for code, (name, parent) in by_code.items():
        if "其他" in name or (parent and "其他" in by_code.get(parent, ("", None))[0]):
            continue  # a catch-all category cannot be contradicted by the text
        words = bigrams(name)
        keywords[code] = frozenset(words - _STOP_BIGRAMS)
    return QualityReference(names, keywords)


def registration_flags(content: str, address: str, district: str | None, category: str | None,
                       ref: QualityReference) -> tuple[bool, ...]:
    """(missing place, missing category, missing address, content short, district mismatch, category mismatch)."""
    content, address = content or "", address or ""
    mismatch = False
    if district and address:
        own = ref.district_names.get(district, ())
        others = [n for code, ns in ref.district_names.items() if code != district for n in ns]
        mismatch = not any(n in address for n in own) and any(n in address for n in others)
    category_mismatch = False
    words = ref.category_keywords.get(category or "")
    if words:
        category_mismatch = not (bigrams(content) & words)
    return (
        district is None, category is None, not address.strip(),
        len(_PUNCT.sub("", content)) < MIN_CONTENT_CHARS, mismatch, category_mismatch,
    )


def reply_flags(content: str, reply: str, replied: bool) -> tuple[bool, ...]:
    """(reply missing, too short, boilerplate, off topic); an order not yet replied has no reply faults."""
    if not replied:
        return (False, False, False, False)
    bare = _PUNCT.sub("", reply or "")
    if not bare:
        return (True, False, False, False)
    boilerplate = bare in BOILERPLATE
    shared = (bigrams(content) - _STOP_BIGRAMS) & (bigrams(reply) - _STOP_BIGRAMS)
    return (False, len(bare) < MIN_REPLY_CHARS, boilerplate, not boilerplate and not shared)


def order_flags(columns: dict[str, list], ref: QualityReference) -> dict[str, list]:
    """The quality flags and text lengths for a batch of orders given column-wise."""
    out: dict[str, list] = {name: [] for name in ("content_len", "reply_len", *FLAGS)}
    rows = zip(columns["content"], columns["reply"], columns["address"], columns["district"],
               columns["category"], columns["replied_at"], columns["closed_directly"], strict=True)
    for content, reply, address, district, category, replied_at, closed_directly in rows:
        flags = registration_flags(content, address, district, category, ref)
        # An order closed on the call has the call-taker's answer as its reply; judge it the same way.
        replied = replied_at is not None or bool(closed_directly)
        flags += reply_flags(content, reply, replied)
        out["content_len"].append(len(content or ""))
        out["reply_len"].append(len(reply or ""))
        for name, value in zip(FLAGS, flags, strict=True):
            out[name].append(value)
    return out
