"""Follow-up questions: tell when a question leans on the conversation, and when its context
may be used.

Without a language model, a follow-up shows in what the question lacks on its own (`form_of`):
- it opens by continuing the dialogue ("Ал …", "А в каком году?", "And …", "What about …?")
  or ends in the Kazakh ellipsis "… ше?";
- it points back before it names anything of its own ("Олар модернизацияны қайда зерттеген?",
  "Бұл нені білдіреді?"), or names nothing of its own ("Кім?", "Why?");
- it asks for an item by its place without naming the list ("екіншісі", "первая?", "the second one");
- weaker: a pronoun after words of its own, which may be what it points to ("О событиях каких
  лет идёт речь в его цитате?" leans; "Что определяет обновление общества в любой сфере его
  жизни?" does not).
The first word alone never decides ("What …" asks anew); pronouns that do not point back are
left out: "осы тақырып" (the document's own topic), "что такое X", "того, что …" (Russian
correlative), "X это Y" (a copula), "when it comes to".

The form only lets the context be tried. `takes_context` then compares the question searched
alone with the question searched in its context: the context is taken when the question alone
finds weak support (its best score under `WEAK_SUPPORT` of its form) and the context finds
more. So a question that stands on its own keeps its own answer, and a new topic never
inherits the previous one. `question.read` asks `form_of` and `context_of`; the searcher,
holding both searches, asks `takes_context`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import IntEnum

from thesis_qa.text.keys import PRONOUNS, STOP_WORDS


class Form(IntEnum):
    """How much a question's form says it leans on the conversation."""

    ALONE = 0  # it stands on its own: history never changes its answer
    MAY_LEAN = 1  # a pointer after words of its own
    LEANS = 2  # an opener, an ellipsis, a pointer before any word of its own, nothing of its own


# The question alone's best score (answerable x ranker probability) under which its context is
# taken, per form; and how much more the contextual search must find. Chosen by 5-fold
# cross-validation (eval/followup_gate.py) over followup.dev, every thesis dev question after
# an unrelated one, and the same with an opener ("Ал", "А", "And"): R@1 0.93 / 0.85 / 0.80
# in-sample, 0.87 / 0.85 / 0.79 cross-validated (the form alone: 0.93 / 0.85 / 0.67).
WEAK_SUPPORT = {Form.ALONE: 0.0, Form.MAY_LEAN: 0.7, Form.LEANS: 0.65}
BETTER_BY = 0.0

# Words that open a turn continuing the previous one (a two-word opener is one string).
OPENERS = frozenset("ал яғни демек сонымен сонда а и ну еще также тогда значит and also so then".split()) | {
    "what about",
    "how about",
}
ELLIPSIS = frozenset({"ше"})  # Kazakh "Ал Хантингтон ше?": "and what about Huntington?"
# Case forms of the Kazakh, Russian and English pronouns that `PRONOUNS` does not hold.
POINTERS = (
    PRONOUNS
    | frozenset(
        """
        оларда олардан онымен бұлар бұлардың бұларды бұларға осылар осылардың солар солардың
        ондағы сондағы осындағы мұндағы соған осыдан содан сонымен мұнымен осымен
        нему нею ними оном этому эту этим этими тем тому теми такого такому таким такую
        him those
        """.split()
    )
) - {"that"}  # "does he say that …": a conjunction far more often than a pointer
# After a demonstrative, these name the document or its topic, not something said before.
DOCUMENT_WORDS = re.compile(
    r"^(тақырып|диссертация|жұмыс|зерттеу|мәселе|тем|диссертац|работ|исследован|вопрос"
    r"|topic|thesis|dissertation|work|study|research|question|issue)",
    re.IGNORECASE,
)
# Question words STOP_WORDS does not hold: they name nothing either.
QUESTION_WORDS = frozenset(
    """
    кімдер кімнің кімге кімді кімде кімнен нені неден неше нешеу қандай қайда қайдан нешінші
    чем кем кому каком какую каким каков какова каковы почему зачем откуда куда сколько чей чья чьи
    whose which
    """.split()
)
_CORRELATIVES = frozenset("то того тому тем том та те тех".split())  # "того, что …"
_CLAUSE_WORDS = frozenset("что как чтобы кто где когда".split())
_EXISTENTIAL = frozenset("is are was were".split())  # "is there a …"
# An ordinal standing for an item of a list not named: Kazakh with a possessive ("екіншісі",
# "соңғысын"), Russian and English as the question's last word or before "one" / "из них".
_KAZAKH_ITEM = re.compile(r"^(бірінші|екінші|үшінші|төртінші|бесінші|соңғы)(сі|сы)")
_ORDINALS = re.compile(
    r"^(перв|втор|трет|четв[её]рт|пят|последн)(ый|ая|ое|ые|ой|ую|ого|ом|ых)$"
    r"|^(first|second|third|fourth|fifth|last)$"
)
_WORD = re.compile(r"\w+")


def form_of(text: str) -> Form:
    """What the question's form says of its leaning on the conversation."""
    words = [w.lower().replace("ё", "е") for w in _WORD.findall(text)]
    if not words:
        return Form.ALONE
    own = [i for i, word in enumerate(words) if _is_own(word)]
    if _opens_or_ellipsis(words) or any(_names_an_item(words, i) for i in range(len(words))):
        return Form.LEANS
    padded = ["", *words, ""]
    pointers = [i for i, word in enumerate(words) if _points_back(word, padded[i], padded[i + 2])]
    if not own or (pointers and pointers[0] < own[0]):
        return Form.LEANS
    return Form.MAY_LEAN if pointers else Form.ALONE


def _is_own(word: str) -> bool:
    """A word naming something (not a function, question or pointing word)."""
    if word in STOP_WORDS or word in POINTERS or word in QUESTION_WORDS:
        return False
    return len(word) > 1 or word.isdigit()


def _opens_or_ellipsis(words: Sequence[str]) -> bool:
    opening = {words[0], " ".join(words[:2])}
    return (len(words) > 1 and bool(opening & OPENERS)) or words[-1] in ELLIPSIS


def _names_an_item(words: Sequence[str], i: int) -> bool:
    word, following = words[i], words[i + 1] if i + 1 < len(words) else ""
    if _KAZAKH_ITEM.match(word):
        return True
    return bool(_ORDINALS.match(word)) and following in {"", "one", "из"}


def _points_back(word: str, previous: str, following: str) -> bool:
    """Whether `word`, between `previous` and `following`, refers to something said before."""
    if word not in POINTERS or DOCUMENT_WORDS.match(following):
        return False
    if previous == "что" and word.startswith("так"):  # "что такое X?" defines X
        return False
    if word in _CORRELATIVES and following in _CLAUSE_WORDS:  # "того, что …"
        return False
    if word == "это" and _is_own(previous):  # "теория модернизации это совокупность …"
        return False
    if word == "it" and (previous, following) == ("when", "comes"):
        return False
    return not (word == "there" and previous in _EXISTENTIAL)


def needs_context(text: str) -> bool:
    """True when the question's form lets it lean on an earlier one."""
    return form_of(text) > Form.ALONE


def context_of(text: str, history: Sequence[str]) -> str:
    """The earlier questions `text` may continue, joined ("" when its form says it stands
    alone).

    `history` holds cleaned earlier questions, oldest first. When the last of them is itself
    a follow-up, the one before it joins the context too."""
    if not history or not needs_context(text):
        return ""
    context = [history[-1]]
    for earlier in reversed(history[:-1]):
        if not needs_context(context[0]):
            break
        context.insert(0, earlier)
    return " ".join(context)


def takes_context(form: Form, alone: float, contextual: float) -> bool:
    """Whether a question of this `form` is answered in its context: the question alone has
    weak support (its best score, `alone`) and the search in context finds more (`contextual`)."""
    return alone < WEAK_SUPPORT[form] and contextual > alone + BETTER_BY
