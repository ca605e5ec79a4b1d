"""The `thesis-qa` command: index, ask (text, JSON, batch), eval, and its errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from thesis_qa.cli import main
from thesis_qa.index.layout import current_version, segment_folders


def runner(env: dict[str, str]):
    """`thesis-qa ARGS...` in this process, in `env`."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def first_run(cli_env):
    """The command on a machine where it has never run: no index yet."""
    return runner(cli_env)


@pytest.fixture
def run(cli_env_with_thesis):
    """The command once the bundled thesis has been indexed."""
    return runner(cli_env_with_thesis)


def test_ask_answers_from_the_bundled_thesis_by_default(first_run):
    result = first_run("ask", "Саяси модернизация дегеніміз не?")
    assert result.exit_code == 0
    verdict, first = result.output.split("\n\n")[:2]
    assert verdict.startswith("confidence ")
    assert first.startswith("1. МОДЕРНИЗАЦИЯ ПРОЦЕСТЕРІН") and "¶" in first and "thesis_kk.txt" in first
    assert "»»Саяси модернизация қазіргі саяси институттарды" in first


def test_ask_json_follows_the_contract(run):
    result = run("ask", "Что такое политическая модернизация?", "--json", "-k", "4")
    payload = json.loads(result.output)
    assert payload["question"] == "Что такое политическая модернизация?"
    assert payload["answered"] is True and 0 < payload["confidence"] <= 1
    assert len(payload["results"]) == 4
    for hit in payload["results"]:
        assert {"id", "doc", "text", "section", "page", "score", "highlights"} <= set(hit)
        assert all(0 <= a < b <= len(hit["text"]) for a, b in hit["highlights"])


def test_ask_batch_writes_one_line_per_question(run, tmp_path):
    batch = tmp_path / "questions.jsonl"
    questions = [{"id": "q1", "question": "Кулик сипаттаған тәртіптің белгілері"}, {"id": "q2", "question": "  "}]
    batch.write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in questions), encoding="utf-8")
    result = run("ask", "--batch", str(batch), "--json", "--top-k", "2")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert len(lines[0]["results"]) == 2 and lines[1]["results"] == [] and "empty" in lines[1]["error"]


def test_index_then_ask_a_new_document(run, make_docx):
    path = make_docx([("Heading 1", "Кіріспе"), ("Normal", "Абай Құнанбайұлы 1845 жылы туған. Ол ақын болған.")])
    result = run("index", str(path), "--index", "abai")
    assert result.exit_code == 0 and "1 document(s), 2 passages" in result.output  # the heading and the paragraph
    payload = json.loads(run("ask", "Абай қай жылы туған?", "--index", "abai", "--json").output)
    assert payload["results"][0]["doc"] == "doc.docx" and payload["results"][0]["section"] == "Кіріспе"


def test_index_verify_finds_damage_that_keeps_the_size_and_rebuilds(run, make_docx, cli_env):
    path = make_docx([("Normal", "Абай Құнанбайұлы 1845 жылы туған. Ол ақын болған.")])
    run("index", str(path), "--index", "abai")
    folder = Path(cli_env["THESIS_QA_INDEX_DIR"]) / "abai"
    version, [segment] = current_version(folder), segment_folders(folder)
    vectors = segment / "passages.faiss"
    data = bytearray(vectors.read_bytes())
    data[-1] ^= 0xFF  # a flipped bit: same size, so opening (sizes and counts) cannot tell
    vectors.write_bytes(bytes(data))
    result = run("index", "--verify", "--index", "abai")
    damage = f"damaged ({segment.name}/passages.faiss does not match its checksum); rebuilding"
    assert result.exit_code == 0 and damage in result.output
    assert current_version(folder) != version and not segment.exists()
    assert "every file matches its SHA-256" in run("index", "--verify", "--index", "abai").output


def test_eval_reports_metrics_per_language(run, tmp_path):
    gold = tmp_path / "gold.jsonl"
    records = [
        {
            "id": "a",
            "lang": "kk",
            "question": "Кулик сипаттаған тәртіптің белгілері",
            "anchors": ["тәртіптің  белгілеріне  атқарушы  билік"],
        },
        {
            "id": "b",
            "lang": "ru",
            "question": "Что такое политическая модернизация?",
            "anchors": ["Саяси  модернизация  қазіргі  саяси  институттарды"],
        },
    ]
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    rows = json.loads(run("eval", str(gold), "--json").output)["metrics"]
    assert set(rows) == {"kk", "ru", "all"} and rows["all"]["n"] == 2
    assert 0.0 <= rows["all"]["R@1"] <= rows["all"]["R@10"] == 1.0


def test_eval_reads_follow_ups_and_negatives_and_writes_a_report(run, tmp_path):
    gold = tmp_path / "gold.jsonl"
    records = [
        {
            "id": "f",
            "lang": "kk",
            "history": ["Латын Америкасындағы үкіметтер қандай қателер жіберді?"],
            "question": "Ал олар нені орната алмады?",
            "anchors": ["Латын  Америкасындағы  сайлау  арқылы"],
        },
        {"id": "n", "lang": "ru", "question": "Какая погода будет завтра в Алматы?", "answerable": False},
    ]
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    out = tmp_path / "report.json"
    printed = run("eval", str(gold), "--out", str(out)).output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["metrics"]["all"]["n"] == 1 and report["metrics"]["all"]["negatives"] == 1
    assert report["metrics"]["ru"]["negatives_refused"] == 1.0
    assert sum(b["n"] for b in report["calibration"]) == 2
    assert "negatives_refused" in printed and "calibration:" in printed


def test_ask_batch_lines_may_carry_the_conversation(run, tmp_path):
    batch = tmp_path / "questions.jsonl"
    line = {
        "id": "f",
        "history": ["Латын Америкасындағы үкіметтер қандай қателер жіберді?"],
        "question": "Ал олар нені орната алмады?",
    }
    batch.write_text(json.dumps(line, ensure_ascii=False), encoding="utf-8")
    answer = json.loads(run("ask", "--batch", str(batch), "--json", "-k", "1").output)
    assert set(answer) == {"id", "answered", "confidence", "results"}
    assert "Латын  Америкасындағы" in answer["results"][0]["text"]


def test_eval_with_a_pool_uses_gold_ids(run, tmp_path):
    pool = tmp_path / "pool.jsonl"
    passages = [
        {"id": "p1", "text": "Алматы – Қазақстанның ең ірі қаласы.", "title": ""},
        {"id": "p2", "text": "Балқаш көлінің суы жартылай тұщы.", "title": ""},
    ]
    pool.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in passages), encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "q", "lang": "kk", "question": "Балқаш көлі", "gold": ["p2"]}), encoding="utf-8")
    rows = json.loads(run("eval", str(gold), "--pool", str(pool), "--json").output)["metrics"]
    assert rows["kk"]["R@1"] == 1.0


def test_eval_asks_each_named_document_its_own_index_built_once(first_run, tmp_path):
    run = first_run
    docs, cache = tmp_path / "docs", tmp_path / "cache"
    docs.mkdir()
    (docs / "lake.txt").write_text("Балқаш көлінің суы жартылай тұщы, жартылай тұзды.\n", encoding="utf-8")
    (docs / "city.txt").write_text("Алматы – Қазақстанның ең ірі қаласы, тауының етегінде.\n", encoding="utf-8")
    lines = [
        {
            "id": "l",
            "lang": "kk",
            "question": "Балқаш көлінің суы қандай?",
            "anchors": ["жартылай тұщы"],
            "doc": "lake.txt",
        },
        {"id": "c", "lang": "kk", "question": "Ең ірі қала қайсы?", "anchors": ["ең ірі қаласы"], "doc": "city.txt"},
        {"id": "m", "lang": "kk", "question": "Бұл не?", "anchors": ["жоқ"], "doc": "missing.txt"},
    ]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), encoding="utf-8")
    ask = ("eval", str(gold), "--docs", str(docs), "--cache", str(cache), "--json")

    first = run(*ask)
    assert json.loads(first.stdout)["metrics"]["all"]["R@1"] == pytest.approx(2 / 3)
    assert "missing.txt: no such document" in first.stderr  # counted as missed, and said so
    built = {folder.name: current_version(folder) for folder in cache.iterdir()}
    assert len(built) == 2 and all(built.values())
    run(*ask)
    assert {folder.name: current_version(folder) for folder in cache.iterdir()} == built  # opened, not rebuilt

    (docs / "lake.txt").write_text("Балқаш көлінің суы жартылай тұщы.\n", encoding="utf-8")
    run(*ask)
    assert len(list(cache.iterdir())) == 3  # an edited file is a new index; the others stay


def test_eval_of_lines_naming_documents_needs_their_folder(first_run, tmp_path):
    run = first_run
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "q", "question": "Бұл не?", "anchors": ["a"], "doc": "x.pdf"}), encoding="utf-8")
    result = run("eval", str(gold))
    assert result.exit_code != 0 and "give their folder with --docs" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "the question is empty"),
        (["index", "missing.pdf"], "missing.pdf: cannot open"),
        (["ask", "сұрақ", "--index", "nothing-here"], "index 'nothing-here' does not exist"),
    ],
)
def test_errors_are_one_line_and_a_nonzero_exit(cli_env_with_thesis, args, message):
    """Through the installed entry point, as a user meets it."""
    env = {**os.environ, **cli_env_with_thesis}
    proc = subprocess.run(
        [sys.executable, "-c", "from thesis_qa.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and message in proc.stderr
    assert "Traceback" not in proc.stderr
