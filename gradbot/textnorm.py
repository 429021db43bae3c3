"""Text normalisation shared by the NLU pipeline and the knowledge-base matcher.

Students type Traditional or Simplified Chinese, full-width or half-width characters,
and English in any case. :func:`normalize` maps all of these to one form: Simplified
Chinese, half-width ASCII, lower case, single spaces. It uses OpenCC's ``t2s`` tables
shipped inside the ``opencc-python-reimplemented`` package (no download).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (other characters unchanged)."""
    if not _CJK.search(text):
        return text
    return _converter().convert(text)


@lru_cache(maxsize=65536)  # the matcher normalises the same entry phrases for every question
def normalize(text: str) -> str:
    """Simplified, half-width (NFKC), lower-cased text with collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text).lower()
    return _SPACES.sub(" ", text).strip()


def is_mostly_english(text: str) -> bool:
    """True when the text has Latin letters and (almost) no Chinese characters."""
    letters = len(_ASCII_LETTER.findall(text or ""))
    cjk = len(_CJK.findall(text or ""))
    return letters >= 3 and cjk <= letters // 8
