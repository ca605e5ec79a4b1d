"""What the chat, the quick lookup and the API ask of the workspace, and what they get back.

An `Answer` holds the question, the language to answer in, the hits, and, when nothing could
be searched (an empty question, a damaged index), the error code to explain it with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from thesis_qa.document import Passage
from thesis_qa.errors import ThesisQAError
from thesis_qa.language import Language, detect_language
from thesis_qa.search import Hit
from thesis_qa.workspace import Workspace
from thesis_qa_app.texts import AUTO, as_language, error_text

LOOKUP_K = 5  # passages a quick lookup shows


@dataclass(frozen=True)
class Answer:
    question: str
    language: Language
    hits: list[Hit] = field(default_factory=list)
    code: str = ""
    params: dict[str, object] = field(default_factory=dict)
    detail: str = ""

    @property
    def message(self) -> str:
        """Why there are no hits, in the answer's language ("" when the search ran)."""
        return error_text(self.language, self.code, self.params, self.detail) if self.code else ""

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "language": self.language,
            "results": [hit.to_json() for hit in self.hits],
            "code": self.code,
            "message": self.message,
        }


def answer_language(choice: str, question: str, default: Language = "kk") -> Language:
    """The language chosen in the selector, or on "auto" the question's own language
    (`default` when it has no letters)."""
    return detect_language(question, default) if choice == AUTO else as_language(choice)


def ask(workspace: Workspace, question: str, k: int, doc: str, language: Language) -> Answer:
    """The `k` best passages for `question` (in document `doc`; "" means all documents).

    A quick lookup is the same call with a word or a name: a search of one or two words
    weighs the lexical channel most (thesis_qa.fusion), so the passage holding the word in
    any inflection comes first, the word marked in each hit's `terms`."""
    try:
        hits = workspace.search(question, k, doc or None)
    except ThesisQAError as error:
        return Answer(question, language, code=error.code, params=error.params, detail=str(error))
    return Answer(question, language, hits)


def neighbours(workspace: Workspace, passage: Passage) -> tuple[list[Passage], list[Passage]]:
    """The passages just before and after `passage`; none when the index was swapped since."""
    try:
        return workspace.searcher.neighbours(passage.id)
    except KeyError:
        return [], []
