"""The index of names and works and the glossary (thesis_qa.study): what a thesis cites and how
it defines its terms, found from its own text, checked against lists made by reading it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from thesis_qa.cli import main
from thesis_qa.document import Passage
from thesis_qa.ingest import load_document
from thesis_qa.ingest.structure import segment
from thesis_qa.service.workspace import Workspace
from thesis_qa.study.glossary import asked_term, definitions_of, glossary
from thesis_qa.study.names import merge, names, surname_key
from thesis_qa.study.scoring import score_glossary, score_names, score_works

GOLD = Path(__file__).parent / "data" / "study"
REAL_DOCUMENTS = {
    "kk-biomed": "kk-biomed__Diplom.docx",
    "kk-vis": "kk-vis__дипломдық жұмыс.docx",
    "ru-topo": "ru-topo__Диплом.pdf",
    "ru-mobile": "ru-mobile__Диплом.pdf",
}


def gold(name: str) -> dict:
    return json.loads((GOLD / f"{name}.json").read_text())


def passages_of(text: str, kind: str = "body", doc: str = "a.txt") -> list[Passage]:
    return [Passage(f"{doc}#0", doc, 0, 0, 0, len(text), text, "", page="3", kind=kind)]  # type: ignore[arg-type]


def person(entries, surname: str):
    return next(e for e in entries if e.kind == "person" and e.name.split()[0] == surname)


def test_every_inflected_form_of_a_person_stands_under_one_entry():
    text = (
        "С.Хантингтонның «Өзгеруші қоғамдағы саяси тәртіп» (1968) еңбегі. Идеяны С.Хантингтон ұсынды. "
        "Хантингтонның пікірі де солай. По мнению Хантингтона, и Хантингтону тоже."
    )
    entry = person(names(passages_of(text)), "Хантингтон")
    assert set(entry.forms) == {"С.Хантингтонның", "С.Хантингтон", "Хантингтонның", "Хантингтона", "Хантингтону"}
    assert entry.count == 5 and entry.name == "Хантингтон С." and entry.pages == ["3"]


def test_a_work_is_a_quoted_title_with_its_year_and_a_quotation_is_not():
    text = "Д.Аптердің «Модернизацияның саясаты» (1965) еңбегі. Ол «халық белсенділігі жаңартуды баяулатады» деп жазды."
    works = [e for e in names(passages_of(text)) if e.kind == "work"]
    assert [(w.name, w.year) for w in works] == [("Модернизацияның саясаты", "1965")]


@pytest.mark.parametrize(
    "text",
    [
        "Қазақстан Республикасында Батыс елдерінің тәжірибесі зерттелді. Google және Apache жобалары.",
        "Приложение А. Исходный код программы. Сурет И.1 – Интерфейс.",
        "Студент Филиппов С.А. Руководитель ВКР Иванов П.П.",
        "Орындаған Муратовна А.Т.Ә.",
    ],
)
def test_places_organisations_labels_and_the_title_page_are_not_people(text):
    assert [e for e in names(passages_of(text)) if e.kind == "person"] == []


def test_two_people_sharing_a_surname_keep_apart_by_their_initials():
    text = "Н.Ә.Назарбаевтің бағдарламасы. Д.Н.Назарбаева, Н.Ә.Назарбев еңбектерінде."
    people = {e.name: e.forms for e in names(passages_of(text)) if e.kind == "person"}
    assert people == {"Назарбаев Н. Ә.": ("Н.Ә.Назарбаевтің", "Н.Ә.Назарбев"), "Назарбаева Д. Н.": ("Д.Н.Назарбаева",)}


def test_a_latin_spelling_joins_the_cyrillic_one_across_indexes():
    kazakh = names(passages_of("С.Хантингтонның еңбегі.", doc="a.txt"))
    english = names(passages_of("Huntington S. Political Order. 1968.", kind="bibliography", doc="b.txt"))
    entry = person(merge([kazakh, english]), "Хантингтон")
    assert set(entry.forms) == {"С.Хантингтонның", "Huntington S."}
    assert [p.id for p in entry.places] == ["a.txt#0", "b.txt#0"]


def test_surname_keys_meet_across_kazakh_and_russian_case_endings():
    assert len({surname_key(w) for w in ("Хантингтон", "Хантингтонның", "Хантингтону", "Хантингтона")}) == 1
    assert surname_key("Назарбаевтің") != surname_key("Назарбев")


def test_the_bundled_thesis_meets_its_list_of_names_and_works(thesis_passages):
    entries = names(thesis_passages)
    listed = gold("thesis_kk")
    persons = score_names(entries, listed["persons"])
    assert persons.precision >= 0.95 and persons.recall >= 0.90
    assert persons.split == persons.merged == 0
    works = score_works(entries, listed["works"])
    assert works.precision >= 0.95 and works.recall >= 0.90


@pytest.mark.parametrize(
    "sentence, term",
    [
        ("Модернизация дегеніміз – қоғамның жаңаруы процесі.", "Модернизация"),
        ("Саяси жүйе – бұл билік институттарының жиынтығы.", "Саяси жүйе"),
        ("Под скоростью разработки понимается время от идеи до приложения.", "скорость разработки"),
        ("Кроссплатформенность — это способность программ работать на разных платформах.", "Кроссплатформенность"),
        ("Полугруппа представляет собой множество с ассоциативной операцией.", "Полугруппа"),
        ("Entropy is defined as the expected information of a message.", "Entropy"),
    ],
)
def test_a_definition_shape_gives_the_term_and_marks_the_sentence(sentence, term):
    text = f"Кіріспе сөйлем. {sentence}"
    passage = Passage("a#0", "a", 0, 0, 0, len(text), text, "", sentences=((0, 15), (16, len(text))))
    [found] = glossary([passage, *passages_of("скорость разработки важна", doc="a")])
    assert found.term == term
    assert text[slice(*found.span)] == sentence and found.passage_id == "a#0"


@pytest.mark.parametrize(
    "sentence",
    [
        "Оны кейде вестернизация деп те атайды.",  # names, defines nothing (a pronoun opens it)
        "OpenAPI спецификациясы автоматты генерацияланады — бұл сынауды жеңілдетеді.",  # "бұл" = "this"
        "Основная задача — получение обратной связи от пользователей.",
    ],
)
def test_sentences_that_only_look_like_definitions_are_left_out(sentence):
    assert glossary(passages_of(sentence)) == []


def test_the_bundled_thesis_meets_its_list_of_definitions(thesis_passages):
    score = score_glossary(glossary(thesis_passages), gold("thesis_kk")["definitions"], "kk")
    assert score.precision >= 0.90 and score.recall >= 0.80


@pytest.mark.parametrize(
    "question, term",
    [
        ("Саяси модернизация дегеніміз не?", "Саяси модернизация"),
        ("Что такое саяси модернизация?", "саяси модернизация"),
        ("What is political modernisation?", "political modernisation"),
        ("Хантингтон кім?", None),
    ],
)
def test_a_what_is_question_names_its_term(question, term):
    assert asked_term(question) == term


def test_a_what_is_question_finds_the_thesis_own_definitions(thesis_passages):
    found = definitions_of(glossary(thesis_passages), "Саяси модернизация дегеніміз не?")
    assert len(found) == 2 and all("модернизация" in d.definition for d in found)


@pytest.mark.parametrize("name", sorted(REAL_DOCUMENTS))
def test_real_dev_documents_meet_their_lists(realdev_docs, name):
    passages = segment(load_document(realdev_docs / REAL_DOCUMENTS[name]))
    listed = gold(name)
    persons = score_names(names(passages), listed["persons"])
    assert persons.precision >= 0.95 and persons.recall >= 0.90 and persons.split == persons.merged == 0
    if listed["definitions"] is not None:
        language = "kk" if name.startswith("kk") else "ru"
        score = score_glossary(glossary(passages), listed["definitions"], language)
        assert score.precision >= 0.90 and score.recall >= 0.80


def test_the_workspace_lists_names_and_glossary_of_what_an_owner_sees(settings, embedder, thesis_index_folder):
    import shutil

    shutil.copytree(thesis_index_folder, settings.index_dir / settings.index)
    workspace = Workspace(settings, embedder=embedder)
    entries = workspace.names()
    assert person(entries, "Хантингтон").places and workspace.names() is not entries
    assert [d.term for d in workspace.glossary(doc="thesis_kk.txt")][:1]


def test_the_cli_prints_names_and_glossary_as_json_lines(cli_env_with_thesis):
    runner = CliRunner()
    out = runner.invoke(main, ["names", "--json"], env=cli_env_with_thesis, catch_exceptions=False).output
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    huntington = next(line for line in lines if line["name"].startswith("Хантингтон"))
    assert huntington["kind"] == "person" and {"id", "page"} <= set(huntington["passages"][0])
    out = runner.invoke(main, ["glossary", "--json"], env=cli_env_with_thesis, catch_exceptions=False).output
    terms = [json.loads(line)["term"].lower() for line in out.splitlines() if line.startswith("{")]
    assert "саяси модернизация" in terms
