"""Counts written in words: "екі тараудан", "из трёх глав", "in two chapters".

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
