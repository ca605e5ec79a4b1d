"""The "Көрсеткіш / Указатель / Index" tab: the persons, works and terms of the documents the
visitor sees, A–Я with counts, a filter, and each entry opening its passages (pinnable, as a
lookup's are). Built from `Workspace.names` and `Workspace.glossary` (thesis_qa.study).

Each entry is a button whose value is the entry's key ("person:хантингтон", "work:…",
"term:<key>"); a click sends it to the server, which finds the entry again among what this
visitor may see (never trusting the page for content) and shows its passages.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import gradio as gr
from gradio.components import Component

from thesis_qa import Definition, Hit, IndexEntry, Language, Passage
from thesis_qa.service.accounts import Accounts
from thesis_qa.service.workspace import Workspace
from thesis_qa_app import collection, render
from thesis_qa_app.faults import guarded, html_or_note, note
from thesis_qa_app.identity import owner_of
from thesis_qa_app.texts import as_language, text

MAX_FILTER_CHARS = 100
MAX_OPENED = 50  # passages an opened entry shows at most
ENTRY_BRIDGE = """
element.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button.tqa-entry");
  if (!button || !button.value) return;
  trigger("select", {index: 0, value: button.value});
});
"""
CSS = """
#study-list ul { list-style: none; padding-left: 0; margin: .2em 0 .8em; }
#study-list li { margin: .15em 0; }
#study-list .tqa-entry { background: none; border: none; padding: .2em 0; cursor: pointer; text-align: left;
  color: var(--link-text-color); min-height: 32px; }
#study-list .tqa-count, #study-list .tqa-pages { color: var(--body-text-color-subdued); font-size: .9em; }
"""


def study_box() -> dict[str, Any]:
    """The tab's parts (its label is set by `wire`, in the interface's language)."""
    label = text("study_filter", "kk")
    query = gr.Textbox(elem_id="study-filter", max_lines=1, max_length=MAX_FILTER_CHARS, label=label)
    listing = gr.HTML(elem_id="study-list", js_on_load=ENTRY_BRIDGE)
    results = gr.HTML(elem_id="study-results")
    return {"study_filter": query, "study_list": listing, "study_results": results}


def wire(parts: dict[str, Any], tab: gr.Tab, ui_lang: gr.Textbox, shown: Component, study: StudyTab) -> None:
    """The tab's events: opened or filtered -> the list; the language changed -> the labels;
    an entry clicked -> its passages (and their pins remembered in `shown`)."""
    light: dict[str, Any] = {
        "api_visibility": "private", "show_progress": "hidden", "concurrency_limit": 4, "concurrency_id": "study"
    }  # fmt: skip
    listed: dict[str, Any] = {"inputs": [parts["study_filter"], ui_lang], "outputs": [parts["study_list"]]}
    tab.select(study.listing, api_name="ui_study", **listed, **light)
    parts["study_filter"].change(study.listing, api_name="ui_study_filter", **listed, **light)
    labels = [tab, parts["study_filter"], parts["study_list"]]
    ui_lang.change(study.labels, [parts["study_filter"], ui_lang], labels, api_name="ui_study_labels", **light)
    opened = [parts["study_results"], shown]
    parts["study_list"].select(study.open, [ui_lang, shown], opened, api_name="ui_study_open", **light)


class StudyTab:
    """The tab's handlers: what an owner sees, listed and opened."""

    def __init__(self, workspace: Workspace, accounts: Accounts) -> None:
        self.workspace = workspace
        self.accounts = accounts

    def labels(self, query: str, ui_lang: str, request: gr.Request) -> tuple[Any, Any, str]:
        lang = as_language(ui_lang)
        tab = gr.Tab(label=text("tab_study", lang))
        return tab, gr.Textbox(label=text("study_filter", lang)), self.listing(query, ui_lang, request)

    def listing(self, query: str, ui_lang: str, request: gr.Request) -> str:
        """Names, works and terms A–Я with counts, those matching `query` (any part of a
        name, a form or a term, any case)."""
        lang = as_language(ui_lang)
        owner = owner_of(request, self.accounts)
        return html_or_note("the index tab's list", lang, lambda: listing_html(
            self.workspace.names(owner), self.workspace.glossary(owner), (query or "")[:MAX_FILTER_CHARS], lang
        ))  # fmt: skip

    def open(
        self, chosen: gr.SelectData, ui_lang: str, shown: collection.Shown, request: gr.Request
    ) -> tuple[str, collection.Shown]:
        """The passages of the entry clicked, each pinnable (its pin headed "Index: <name>")."""
        lang = as_language(ui_lang)
        owner = owner_of(request, self.accounts)
        key = str(chosen.value or "")
        (name, hits), error = guarded("an index entry's passages", ("", []), self._entry_hits, key, owner)
        if error is not None:
            return note(lang, error), shown
        if not hits:
            return render.note_html(text("study_none", lang)), shown
        shown, tokens = collection.remember(shown, hits, text("study_entry_pin", lang, name=name))
        return opened_html(name, hits, tokens, lang), shown

    def _entry_hits(self, key: str, owner: Any) -> tuple[str, list[Hit]]:
        if key.startswith("term:"):
            found = [d for d in self.workspace.glossary(owner) if d.key == key.removeprefix("term:")]
            by_id = {p.id: p for p in self.workspace.passages([d.passage_id for d in found], owner)}
            hits = [Hit(by_id[d.passage_id], 1.0, (d.span,)) for d in found if d.passage_id in by_id]
            return (found[0].term if found else ""), hits
        entry = next((e for e in self.workspace.names(owner) if e.key == key), None)
        if entry is None:
            return "", []
        passages = self.workspace.passages([place.id for place in entry.places[:MAX_OPENED]], owner)
        return entry.name, [Hit(p, 1.0, (), _standing(p, entry.forms)) for p in passages]


def definition_card(
    workspace: Workspace, question: str, owner: Any, lang: Language, shown: collection.Shown
) -> tuple[str, collection.Shown]:
    """For "X дегеніміз не?", "Что такое X?", "What is X?" when the glossary holds X: the
    documents' own definitions of X as a card (to show before the answer), pinnable; else ""."""
    found = workspace.definitions(question, owner)
    passages = {p.id: p for p in workspace.passages([d.passage_id for d in found], owner)}
    hits = [Hit(passages[d.passage_id], 1.0, (d.span,)) for d in found if d.passage_id in passages]
    if not hits:
        return "", shown
    shown, tokens = collection.remember(shown, hits, question)
    title = text("study_definition", lang, term=found[0].term)
    return f'<div class="tqa-definition">{opened_html(title, hits, tokens, lang)}</div>', shown


def _standing(passage: Passage, forms: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where the entry's forms stand in the passage (to mark them)."""
    spans = []
    for form in forms:
        at = passage.text.find(form)
        while at >= 0:
            spans.append((at, at + len(form)))
            at = passage.text.find(form, at + len(form))
    return tuple(sorted(set(spans)))


def listing_html(
    people_and_works: Sequence[IndexEntry], terms: Sequence[Definition], query: str, lang: Language
) -> str:
    """The tab's list: names, then works, then terms, each A–Я, each a button with its count
    and pages; everything from the documents escaped."""
    wanted = query.strip().casefold()
    if not people_and_works and not terms:
        return render.note_html(text("study_empty", lang))
    groups = []
    for kind, label in (("person", "study_people"), ("work", "study_works")):
        entries = [e for e in people_and_works if e.kind == kind and _matches(wanted, e.name, *e.forms)]
        items = [_item(e.key, _title(e), e.count, e.pages) for e in entries]
        groups.append(_group(text(label, lang), items))
    by_term: dict[str, list[Definition]] = {}
    for definition in terms:
        if _matches(wanted, definition.term):
            by_term.setdefault(definition.key, []).append(definition)
    items = [_item(f"term:{key}", found[0].term, len(found), _pages(found)) for key, found in by_term.items()]
    groups.append(_group(text("study_terms", lang), items))
    body = "".join(groups)
    return body if any(groups) else render.note_html(text("study_none", lang))


def _matches(wanted: str, *values: str) -> bool:
    return not wanted or any(wanted in value.casefold() for value in values)


def _title(entry: IndexEntry) -> str:
    if entry.kind == "person":
        return entry.name
    return f"«{entry.name}» ({entry.year})" if entry.year else f"«{entry.name}»"


def _pages(found: Sequence[Definition]) -> list[str]:
    return list(dict.fromkeys(d.page for d in found if d.page))


def _item(key: str, title: str, count: int, pages: Sequence[str]) -> str:
    where = f' <span class="tqa-pages">· {html.escape(", ".join(pages))}</span>' if pages else ""
    return (
        f'<li><button type="button" class="tqa-entry" value="{html.escape(key)}">{html.escape(title)}'
        f' <span class="tqa-count">({count})</span></button>{where}</li>'
    )


def _group(label: str, items: Sequence[str]) -> str:
    if not items:
        return ""
    return f"<h3>{html.escape(label)} ({len(items)})</h3><ul>{''.join(items)}</ul>"


def opened_html(name: str, hits: Sequence[Hit], tokens: Sequence[str], lang: Language) -> str:
    """An opened entry: its name and its passages as cards (the entry marked), each pinnable."""
    cards = "".join(
        f'<div class="tqa-card tqa-lookup">{render.text_html(hit)}<div class="tqa-foot">'
        f'<p class="tqa-where">{render.where_html(hit.passage, lang)}</p>{render.pin_html(token, lang)}</div></div>'
        for hit, token in zip(hits, tokens, strict=True)
    )
    return f'<div class="tqa-answer"><p class="tqa-head">{html.escape(name)}</p>{cards}</div>'
