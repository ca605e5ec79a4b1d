"""Numbers in words and units: counts written in words ("екі тараудан", "из трёх глав",
"in two chapters"), and the unit a question asks a quantity in ("неше сағат", "сколько стоит").

A question after a number ("неше", "сколько", "how many") is answered as often by a count in
words as by digits, and a thesis says how many chapters it has in words. `COUNT_WORD` finds a
cardinal from two up in Kazakh (with a case ending or as a collective: "екеуі", "үштен"),
Russian (its case forms) and English. "Бір", "он", "один" and "one" are left out: as words
they are more often "together", "he", "alone" or a pronoun ("бірге", "онда", "one of").
"""

from __future__ import annotations

import re

_KAZAKH = "екі|үш|төрт|бес|алты|жеті|сегіз|тоғыз|жиырма|отыз|қырық|елу|алпыс|жетпіс|сексен|тоқсан|жүз|мың"
# Case endings, the collective ("екеу", "алтау") and its possessive, as a count takes them.
_KAZAKH_ENDINGS = (
    "ден|дан|тен|тан|нен|нан|ге|ға|ке|қа|не|на|де|да|те|та|ні|ны|ді|ды|ті|ты|нің|ның|дің|дың|тің|тың"
    "|мен|бен|пен|еу|еуі|ау|ауы"
)
_RUSSIAN = (
    "два|две|двух|двум|двумя|три|трех|трёх|трем|трём|тремя|четыре|четырех|четырёх|четырем|четырём"
    "|четырьмя|пять|пяти|пятью|шесть|шести|шестью|семь|семи|семью|восемь|восьми|восемью|девять"
    "|девяти|десять|десяти|двадцать|двадцати|тридцать|тридцати|сорок|сорока|пятьдесят|пятидесяти"
    "|сто|ста|двести|триста|тысяча|тысячи|тысяч"
)
_ENGLISH = "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|thousand|dozen"
_KAZAKH_COLLECTIVES = "екеу|екеуі|алтау|алтауы|жетеу|жетеуі"  # the stem changes: "екі" → "екеу"
COUNT_WORD = re.compile(
    rf"\b(?:(?:{_KAZAKH})(?:{_KAZAKH_ENDINGS})?|{_KAZAKH_COLLECTIVES}|{_RUSSIAN}|{_ENGLISH})\b",
    re.IGNORECASE,
)


# Bytes by their multiples' names and marks, with the endings a count gives them: not any word
# holding "байт" ("Байтұрсынұлы" is a name).
_BYTES = r"(?:кило|мега|гига|тера)?байт(?:а|ов|ах|ы|қа|тан|тың|тар\w*)?|[кмгт]б\b|[kmgt]i?b\b|bytes?"
# Units a question may ask a quantity in ("неше сағат", "сколько стоит", "in megabytes"), each
# with the words that name it in a question and the marks that follow a number in a text.
_UNITS: dict[str, tuple[str, str]] = {
    "hours": (r"сағат\w*|час(?:а|ов|ах)?|hours?", r"сағат\w*|час\w*|ч\b|h\b|hours?|hrs?\b"),
    "minutes": (r"минут\w*|minutes?", r"минут\w*|мин\b|min\b|minutes?"),
    "seconds": (r"секунд\w*|seconds?", r"секунд\w*|сек\b|с\b|s\b|sec\b|seconds?|мс\b|ms\b"),
    "days": (r"тәулік\w*|дн(?:ей|я)|days?", r"күн\w*|тәулік\w*|дн\w*|день|days?"),
    "bytes": (_BYTES, _BYTES),
    "percent": (r"процент\w*|пайыз\w*|percent\w*|%", r"%|процент\w*|пайыз\w*|percent"),
    "money": (  # the Kazakh "баға" (price) with its endings: not "бағалау" (rating)
        r"стоит|стоимост\w*|цен[аыу]\b|руб\w*|теңге|доллар\w*|құн[ыі]\w*|баға(?:сы\w*|мен|ға|да|дан)?"
        r"|cost\w*|price\w*",
        r"руб\w*|₽|теңге|тг\b|₸|доллар\w*|\$|usd\b|евро|€|eur\b",
    ),
    "hertz": (r"\w*герц\w*|[кмг]?гц\b|[kmg]?hz\b", r"\w*герц\w*|[кмг]?гц\b|[kmg]?hz\b"),
}
_ASKED = {unit: re.compile(rf"(?<!\w)(?:{asked})(?!\w)", re.IGNORECASE) for unit, (asked, _) in _UNITS.items()}
_IN_UNIT = {
    unit: re.compile(rf"(?<!\w)(?:в|in)\s+(?:{asked})(?!\w)", re.IGNORECASE) for unit, (asked, _) in _UNITS.items()
}
_HELD = {
    unit: re.compile(rf"\d(?:[\d\s\u00a0.,]*\d)?\s*(?:{held})(?!\w)|(?:\$|€)\s*\d", re.IGNORECASE)
    for unit, (_, held) in _UNITS.items()
}


def asked_unit(question: str, asks_number: bool) -> str:
    """The unit a question asks a quantity in ("hours", "money", …), or "": a unit it names
    after a number word ("неше сағат", "сколько стоит"), or one it asks the answer in
    ("частота в мегагерцах", "in seconds")."""
    for unit in _UNITS:
        if (asks_number and _ASKED[unit].search(question)) or _IN_UNIT[unit].search(question):
            return unit
    return ""


def holds_unit(text: str, unit: str) -> bool:
    """Whether `text` gives a number in `unit` ("12 сағат", "149 000 рублей", "500 МБ", "$10")."""
    return bool(_HELD[unit].search(text))
