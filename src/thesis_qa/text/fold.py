"""One spelling per word for matching, whatever the file's typist or typesetter used.

Shown text stays as written; only matching keys (`keys`) see the folded word:
- Kazakh typed with Latin look-alikes: the Latin schwa «ə/Ə» (U+0259/U+018F) for «ә/Ә»
  (a monograph writes «жəне», «Əбілхайыр»), and Latin letters inside a Cyrillic word
  («i» for «і», «h» for «һ», «a», «e», «o», «c», «p», «x», «y» and capitals that look alike).
- Mathematical alphanumerics (U+1D400–U+1D7FF, LaTeX's 𝑋, 𝑛, 𝔏; and the letterlike ℎ, ℝ
  that fill its gaps) as their plain letters and digits (NFKC), so "X" finds "𝑋".
- «ё» as «е».
"""

from __future__ import annotations

import unicodedata

_SCHWA = str.maketrans("əƏ", "әӘ")
# Latin letters that look like Cyrillic ones, folded only inside a word that has Cyrillic.
_LOOK_ALIKES = str.maketrans("aeopcxyihAEOPCXYIHBKMT", "аеорсхуіһАЕОРСХУІНВКМТ")
_MATH = (("\U0001d400", "\U0001d7ff"), ("\u2100", "\u214f"))  # Mathematical Alphanumerics, Letterlike


def fold(word: str) -> str:
    """`word` as matching sees it (the same length: one character for one)."""
    if word.isascii():
        return word
    word = word.replace("ё", "е").replace("Ё", "Е").translate(_SCHWA)
    if any(_is_math(ch) for ch in word):
        word = "".join(_plain(ch) for ch in word)
    if any("\u0400" <= ch <= "\u04ff" for ch in word) and any(ch.isascii() and ch.isalpha() for ch in word):
        word = word.translate(_LOOK_ALIKES)
    return word


def as_cyrillic(text: str) -> str:
    """`text` with each Latin letter that looks like a Cyrillic one as that letter ("B" -> "В"):
    an appendix "B" is the Cyrillic "В" typed on a Latin keyboard."""
    return text.translate(_LOOK_ALIKES)


def _is_math(ch: str) -> bool:
    return any(low <= ch <= high for low, high in _MATH)


def _plain(ch: str) -> str:
    """A mathematical letter or digit as the plain one ("ℎ" -> "h"); anything else, and what
    NFKC makes more than one letter of ("№", "™"), unchanged."""
    if not _is_math(ch):
        return ch
    plain = unicodedata.normalize("NFKC", ch)
    return plain if len(plain) == 1 else ch
