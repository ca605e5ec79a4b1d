"""Thesis QA: ask questions of a Kazakh thesis and see where the answer is.

The public API: a `Workspace` opened from `Settings` answers questions (`Answer` of `Hit`s,
each a `Passage` with its answer marked) and lookups (`Lookup`) over the library and an
owner's uploads; `load_document` reads a file into a `Document`. The CLI, the web app,
`bench/` and `eval/` use these names; the packages under them (`text`, `ingest`,
`embedding`, `index`, `storage`, `retrieval`, `service`) are the architecture, described in
docs/architecture.md.

Names are imported on first use, so `import thesis_qa` costs nothing until one is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it
_EXPORTS = {
    "Workspace": "thesis_qa.service.workspace",
    "Settings": "thesis_qa.config",
    "Answer": "thesis_qa.retrieval.answer",
    "Hit": "thesis_qa.retrieval.search",
    "Mode": "thesis_qa.retrieval.search",
    "Lookup": "thesis_qa.retrieval.lookup",
    "Passage": "thesis_qa.document",
    "Document": "thesis_qa.document",
    "load_document": "thesis_qa.ingest",
    "SUPPORTED_SUFFIXES": "thesis_qa.ingest",
    "Language": "thesis_qa.text.language",
    "detect_language": "thesis_qa.text.language",
    "dominant_language": "thesis_qa.text.language",
    "question_part": "thesis_qa.text.pasted",
    "answer_marks": "thesis_qa.retrieval.highlight",
    "render_html": "thesis_qa.retrieval.highlight",
    "render_terminal": "thesis_qa.retrieval.highlight",
    "sentence_breaks": "thesis_qa.retrieval.highlight",
    "visible_text": "thesis_qa.retrieval.highlight",
    "neutral": "thesis_qa.text.names",
    "ThesisQAError": "thesis_qa.errors",
    "LoadError": "thesis_qa.errors",
    "ModelError": "thesis_qa.errors",
    "StoreError": "thesis_qa.errors",
    "QuestionError": "thesis_qa.retrieval.question",
    "IndexEntry": "thesis_qa.study.names",
    "Definition": "thesis_qa.study.glossary",
}
__all__ = [  # the same names as _EXPORTS (tests/test_architecture.py checks it)
    "SUPPORTED_SUFFIXES",
    "Answer",
    "Definition",
    "Document",
    "Hit",
    "IndexEntry",
    "Language",
    "LoadError",
    "Lookup",
    "Mode",
    "ModelError",
    "Passage",
    "QuestionError",
    "Settings",
    "StoreError",
    "ThesisQAError",
    "Workspace",
    "__version__",
    "answer_marks",
    "detect_language",
    "dominant_language",
    "load_document",
    "neutral",
    "question_part",
    "render_html",
    "render_terminal",
    "sentence_breaks",
    "visible_text",
]

if TYPE_CHECKING:
    from thesis_qa.config import Settings
    from thesis_qa.document import Document, Passage
    from thesis_qa.errors import LoadError, ModelError, StoreError, ThesisQAError
    from thesis_qa.ingest import SUPPORTED_SUFFIXES, load_document
    from thesis_qa.retrieval.answer import Answer
    from thesis_qa.retrieval.highlight import answer_marks, render_html, render_terminal, sentence_breaks, visible_text
    from thesis_qa.retrieval.lookup import Lookup
    from thesis_qa.retrieval.question import QuestionError
    from thesis_qa.retrieval.search import Hit, Mode
    from thesis_qa.service.workspace import Workspace
    from thesis_qa.study.glossary import Definition
    from thesis_qa.study.names import IndexEntry
    from thesis_qa.text.language import Language, detect_language, dominant_language
    from thesis_qa.text.names import neutral
    from thesis_qa.text.pasted import question_part


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'thesis_qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
