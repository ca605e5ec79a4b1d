"""Follow-up questions: tell when a question leans on the conversation, and lend it context.

Without a language model, a follow-up is recognised by its form (context.md §9): it opens
with a conjunction that continues the dialogue ("Ал …", "А в каком году?", "And what …"),
or it points back with a pronoun or demonstrative ("Ал оны кім ұсынған?", "О событиях каких
лет идёт речь в его цитате?") that is not about the document itself ("осы тақырып", "this
topic" stand on their own). Such a question is searched together with the earlier question
it continues; any other question is searched exactly as if it were asked alone.
`question.read` asks `context_of` which earlier questions those are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from thesis_qa.text.keys import PRONOUNS

# Words that open a turn continuing the previous one.
OPENERS = frozenset("ал а и ну ещё еще and so what about also".split())
# After a demonstrative, these name the document or its topic, not something said before.
DOCUMENT_WORDS = re.compile(
    r"^(тақырып|диссертация|жұмыс|зерттеу|мәселе|тем|диссертац|работ|исследован|вопрос"
    r"|topic|thesis|dissertation|work|study|research|question|issue)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
# Words of PRONOUNS that point back only sometimes: "that" is far more often a conjunction
# ("does he say that …"); "there" after a verb of being is existential ("is there a …").
_NOT_POINTERS = frozenset({"that"})
_EXISTENTIAL = frozenset("is are was were".split())


def _points_back(word: str, previous: str, following: str) -> bool:
    """Whether `word`, between `previous` and `following`, refers to something said before."""
    if word not in PRONOUNS or word in _NOT_POINTERS or DOCUMENT_WORDS.match(following):
        return False
    if previous == "что" and word.startswith("так"):  # "что такое X?" defines X
        return False
    return not (word == "there" and previous in _EXISTENTIAL)


def needs_context(text: str) -> bool:
    """True when the question's form shows it continues an earlier one."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return False
    if words[0] in OPENERS and len(words) > 1:
        return True
    padded = ["", *words, ""]
    return any(_points_back(word, padded[i], padded[i + 2]) for i, word in enumerate(words))


def context_of(text: str, history: Sequence[str]) -> str:
    """The earlier questions `text` continues, joined ("" when its form says it stands alone).

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
