"""Cleaning and segmenting citizens' texts: HTML, emoji, width, limits, jieba tokens."""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata

import jieba

from hotline.errors import InvalidInput

MAX_CHARS = 10_000
HAN = re.compile(r"[\u4e00-\u9fff]")
TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,500}>", re.IGNORECASE | re.DOTALL)
# Letters, digits, CJK and the punctuation that separates clauses; emoji and symbols go.
NOISE = re.compile(r"[^\w\u4e00-\u9fff，。！？；：、,.!?;:()（）\-#/ ]+")
SPACES = re.compile(r"\s+")
PUNCT_TOKEN = re.compile(r"^[\W_]+$")
STOPWORDS = frozenset(
    "的 了 是 我 你 他 她 们 在 有 和 就 也 都 而 及 与 着 或 一个 没有 这个 那个 这 那 吧 吗 呢 啊 呀 哦 嗯 "
    "把 被 让 给 对 从 到 向 为 以 于 之 其 所 但 又 还 很 请 您 我们 你们 他们 自己 一下 什么 怎么 "
    "已经 现在 问题 情况 反映 希望 能够 能 要 会 可以 这样 那样 因为 所以 如果 然后 还是 就是 一直 "
    "非常 比较 特别 目前 相关 部门 领导 您好 你好 谢谢 麻烦 市民 来电 来电人 诉求 称".split()
)
logging.getLogger("jieba").setLevel(logging.WARNING)
_jieba_lock = threading.Lock()
_jieba_ready = False


def clean(text: str) -> str:
    """Text as the models see it: HTML stripped, full-width folded, emoji dropped, spaces collapsed."""
    text = html.unescape(TAG.sub(" ", text))
    text = unicodedata.normalize("NFKC", text)
    text = NOISE.sub(" ", text)
    return SPACES.sub(" ", text).strip()


def has_chinese(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return HAN.search(text) is not None


def checked_text(value: object, field: str = "content") -> str:
    """The cleaned text, or InvalidInput naming the field when it is missing, empty or too long."""
    if not isinstance(value, str):
        raise InvalidInput(f"'{field}' is required and must be text", field=field)
    if len(value) > MAX_CHARS:
        raise InvalidInput(f"'{field}' is longer than {MAX_CHARS} characters ({len(value)})", field=field)
    text = clean(value)
    if not text:
        raise InvalidInput(f"'{field}' has no words once markup and symbols are removed", field=field)
    return text


def add_words(words: list[str]) -> None:
    """Teach jieba the city's place and unit names so they stay whole tokens."""
    _ensure_jieba()
    for word in words:
        if len(word) >= 2:
            jieba.add_word(word, freq=2000)


def _ensure_jieba() -> None:
    global _jieba_ready
    if not _jieba_ready:
        with _jieba_lock:
            if not _jieba_ready:
                jieba.initialize()
                _jieba_ready = True


def tokenize(text: str) -> list[str]:
    """jieba words without punctuation and stopwords; module-level so scikit-learn models pickle."""
    _ensure_jieba()
    # Without the HMM jieba is twice as fast; the unknown words it would guess are covered by the
    # character n-grams anyway.
    return [w for w in jieba.lcut(text, HMM=False) if w.strip() and w not in STOPWORDS and not PUNCT_TOKEN.match(w)]
