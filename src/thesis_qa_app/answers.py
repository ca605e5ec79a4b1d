"""What the chat, the quick lookup and the API ask of the workspace, and what they get back.

A `Reply` holds the question as it may be shown (format controls removed; from a long pasted
text, the question found in it or the text cut between words, `note` saying which), the
language to answer in, the document it was limited to (`doc`), the library's judged `Answer` (or for a lookup, its exact
`Lookup`), and, when nothing could be searched (an empty question, a bad argument, a damaged
index), the error code to explain it with.
Arguments from programs are checked here before anything runs: each bad value gets its own
code and a kind message, never a stack trace.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from thesis_qa import Answer, Hit, Language, Lookup, detect_language, question_part
from thesis_qa.errors import ThesisQAError
from thesis_qa.limits import MAX_K, MAX_PASTED_CHARS, MAX_QUESTION_CHARS
from thesis_qa.service.owners import Owner
from thesis_qa.service.workspace import Workspace
from thesis_qa_app.render import visible
from thesis_qa_app.texts import AUTO, LANGUAGES, as_language, error_text, text

LOOKUP_K = 5  # passages /lookup returns unless told (its count is always the true one)
MAX_HISTORY = 10  # earlier questions a follow-up is read with


class BadArgument(ThesisQAError):
    code = "bad_argument"


@dataclass(frozen=True)
class Reply:
    question: str
    language: Language
    answer: Answer | None = None
    lookup: Lookup | None = None
    code: str = ""
    params: dict[str, object] = field(default_factory=dict)
    detail: str = ""
    doc: str = ""  # the one document searched ("" for all)
    note: str = ""  # what became of a long question, in the reply's language

    @property
    def hits(self) -> list[Hit]:
        if self.lookup:
            return self.lookup.hits
        return self.answer.hits if self.answer else []

    @property
    def message(self) -> str:
        """Why there are no hits, in the reply's language ("" when the search ran)."""
        return error_text(self.language, self.code, self.params, self.detail) if self.code else ""

    def to_json(self) -> dict[str, object]:
        extra = {"question": self.question, "language": self.language, "code": self.code, "message": self.message}
        if self.note:
            extra["note"] = self.note  # what became of a long question
        if self.lookup:
            return {"count": self.lookup.count, "results": [hit.to_json() for hit in self.lookup.hits], **extra}
        answer = self.answer.to_json() if self.answer else {"answered": False, "confidence": 0.0, "results": []}
        return {**answer, **extra}


def bounded(question: str) -> str:
    """The question cut to its limit before anything looks at the rest of it."""
    return question[:MAX_QUESTION_CHARS]


def read_question(given: str, language: Language) -> tuple[str, str]:
    """What to ask from what was typed or pasted, and what to say about it in `language`:
    up to MAX_PASTED_CHARS are read; a text longer than a question gives its last question,
    or failing one is cut between words (the note says where)."""
    pasted = given[:MAX_PASTED_CHARS]
    part = question_part(pasted, MAX_QUESTION_CHARS)
    asked = pasted[part.start : part.end]
    notes = []
    if part.found:
        notes.append(text("asked_part", language, n=len(pasted.strip()), limit=MAX_QUESTION_CHARS))
    elif part.cut:
        end = " ".join(asked.split()[-6:])
        notes.append(text("asked_cut", language, limit=MAX_QUESTION_CHARS, n=len(pasted.strip()), end=end))
    if len(given) > MAX_PASTED_CHARS:
        notes.append(text("pasted_cut", language, limit=MAX_PASTED_CHARS))
    return asked, visible(" ".join(notes))


def answer_language(choice: str, question: str, default: Language = "kk") -> Language:
    """The language chosen in the selector, or on "auto" the question's own language
    (`default` when it has no letters)."""
    return detect_language(question, default) if choice == AUTO else as_language(choice)


def ask(
    workspace: Workspace,
    question: str,
    k: int,
    doc: str,
    language: Language,
    *,
    owner: Owner | None = None,
    history: Sequence[str] = (),
) -> Reply:
    """The `k` best passages for `question` (or the question found in a long pasted text:
    `read_question`) among the library and `owner`'s uploads (or in document `doc` alone;
    "" means all), judged."""
    question, note = read_question(question, language)
    shown, doc = visible(question), doc or ""
    try:
        answer = workspace.ask(question, k, doc or None, [bounded(h) for h in history[-MAX_HISTORY:]], owner)
    except ThesisQAError as refused:
        error = why_unknown(workspace, refused, doc, owner)
        return Reply(shown, language, code=error.code, params=error.params, detail=str(error), doc=doc, note=note)
    return Reply(shown, language, answer, doc=doc, note=note)


def look_up(
    workspace: Workspace, word: str, k: int, doc: str, language: Language, *, owner: Owner | None = None
) -> Reply:
    """Every passage among the library and `owner`'s uploads (or in document `doc` alone)
    holding `word` (a word, a name, a year, or each word of a phrase), counted; the first `k`."""
    word, doc = bounded(word), doc or ""
    shown = visible(word)
    try:
        found = workspace.look_up(word, k, doc or None, owner)
    except ThesisQAError as refused:
        error = why_unknown(workspace, refused, doc, owner)
        code = "lookup_empty" if error.code == "question_empty" else error.code
        return Reply(shown, language, code=code, params=error.params, detail=str(error), doc=doc)
    return Reply(visible(found.query), language, lookup=found, doc=doc)


def why_unknown(workspace: Workspace, error: ThesisQAError, doc: str, owner: Owner | None) -> ThesisQAError:
    """`error`, or when it says there is no document `doc` and `doc` is one of `owner`'s uploads
    that questions leave out (indexed with another model, or not opened), why they do
    (`Workspace.left_out`): the upload is listed, so "no such document" would be untrue."""
    if error.code != "doc_unknown" or owner is None:
        return error
    return next((why for upload, why in workspace.left_out(owner) if upload.name == doc), error)


def api_ask(
    workspace: Workspace,
    owner: Owner,
    arguments: dict[str, object],
    default_k: int,
    *,
    lookup: bool = False,
) -> Reply:
    """`ask` (or with `lookup`, `look_up`) for a program: every argument checked first, each
    bad one refused with its code."""
    raw_question = arguments.get("question")
    question = raw_question if isinstance(raw_question, str) else ""  # read (and bounded) by `ask`
    choice = arguments.get("language")
    lang = as_language(choice) if choice in LANGUAGES else detect_language(bounded(question), "kk")
    try:
        if raw_question is not None and not isinstance(raw_question, str):
            raise BadArgument("the question must be text", code="bad_question")
        if choice is not None and choice != AUTO and choice not in LANGUAGES:
            raise BadArgument("language must be auto, kk, ru or en", code="bad_language")
        k = parse_k(arguments.get("k"), default_k)
        doc = _doc(arguments.get("doc"))
        history = _history(arguments.get("history"))
    except BadArgument as error:
        return Reply(visible(bounded(question)), lang, code=error.code, params=error.params, detail=str(error))
    if lookup:
        return look_up(workspace, question, k, doc, lang, owner=owner)
    return ask(workspace, question, k, doc, lang, owner=owner, history=history)


def parse_k(value: object, default: int) -> int:
    """A passage count from a program: a whole number 1..MAX_K (3 and 3.0 alike); None for
    the default; anything else (text, NaN, infinity, true) refused."""
    if value is None:
        return default
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not math.isfinite(number) or number != int(number) or not 1 <= number <= MAX_K:
        raise BadArgument(
            f"k must be a whole number from 1 to {MAX_K}, not {str(value)[:40]!r}",
            code="bad_k",
            max=MAX_K,
        )
    return int(number)


def _doc(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadArgument("doc must be a document name", code="bad_doc")
    return value


def _history(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadArgument("history must be a list of questions", code="bad_history")
    return value[-MAX_HISTORY:]
