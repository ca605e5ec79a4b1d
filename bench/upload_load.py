"""Answering while someone's large upload is indexed: the real server (`thesis-qa serve`, a
private index folder), browsers' uploads made as the page makes them (Gradio's upload route,
then the page's upload event with the browser's cookie).

    .venv/bin/python bench/upload_load.py                 # ~10 minutes
    .venv/bin/python bench/upload_load.py --skip-txt      # the 250-page PDF only

Phases, one after the other: idle; a 250-page PDF (a Kazakh .docx exported by LibreOffice)
being indexed; idle again; a 20 MB .txt being indexed; idle again. In every phase one
student asks the thesis dev questions and lookups one at a time (raw HTTP: POST
/gradio_api/call/ask and its SSE answer, so the client adds little), a short pause between
questions. At the start of each load phase another browser uploads a 50-byte file and the
time until it is indexed is measured. The large upload is cancelled at the end of its phase.
Reports the median and p95 answer time per phase, the ratio of each load phase to the mean
of the idle phases around it, the small upload's time to indexed, the large upload's
indexing speed, and the server's and workers' memory.
Targets: loaded median <= 2x idle; the 50-byte upload indexed within 30 s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from pathlib import Path

import common
import httpx

LOG = common.SCRATCH / "upload-load-server.log"  # the server's output

QUESTIONS_PER_PHASE = 90
# What students ask (kk, ru, en) and look up, as in tests/app/test_robustness.py.
QUESTIONS = [
    "Саяси модернизация дегеніміз не?",
    "Кулик сипаттаған тәртіптің белгілері қандай?",
    "Зерттеу жұмысының мақсаты қандай?",
    "Модернизацияға ықпал ететін факторлар қандай?",
    "Дарендорф демократияға қандай қауіптерді атады?",
    "Что такое политическая модернизация?",
    "Какие направления модернизации выделяет Демидов?",
    "Кто предложил идею устойчивости политических институтов?",
    "What are the three stages of modernization theory?",
    "Who wrote about the collapse of totalitarianism?",
    "Хантингтон",
    "1966",
    "вестернизация",
    "Бутенко",
]
PAUSE_S = 0.25  # a student reads between questions
PAGES = 250


def phase(url: str, questions: list[str]) -> list[float]:
    with httpx.Client(timeout=60) as http:
        seconds = []
        for i in range(QUESTIONS_PER_PHASE):
            seconds.append(common.raw_ask(http, url, questions[i % len(questions)]))
            time.sleep(PAUSE_S)
        return seconds


def kazakh_paragraphs(count: int) -> list[str]:
    """Distinct Kazakh paragraphs made of the thesis's sentences (distinct, so no vector is
    reused: every one is embedded, as a real thesis's would be)."""
    from thesis_qa.config import bundled_thesis

    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", bundled_thesis().read_text(encoding="utf-8"))]
    sentences = [s for s in sentences if len(s) > 40]
    return [
        f"{i + 1}. " + " ".join(sentences[(i * 7 + j * 3) % len(sentences)] for j in range(3)) + f" ({i + 1}-абзац.)"
        for i in range(count)
    ]


def make_pdf(folder: Path) -> Path:
    """A 250-page Kazakh PDF: a .docx exported by LibreOffice, as students' PDFs are."""
    import docx

    target = folder / "thesis-250.pdf"
    if target.exists():
        return target
    document = docx.Document()
    for number, paragraph in enumerate(kazakh_paragraphs(PAGES * 5 + 20)):  # LibreOffice fits ~5 a page
        if number % 25 == 0:
            document.add_heading(f"{number // 25 + 1}-тарау", level=1)
        document.add_paragraph(paragraph)
    source = folder / "thesis-250.docx"
    document.save(str(source))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=600)  # fmt: skip
    return target


def make_txt(folder: Path, megabytes: int = 20) -> Path:
    target = folder / "draft-20mb.txt"
    if not target.exists():
        paragraphs, size, count = [], 0, 0
        while size < megabytes * 2**20:
            count += 1000
            paragraphs = kazakh_paragraphs(count)
            size = len("\n\n".join(paragraphs).encode())
        target.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return target


def pages_of(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def workers(server_pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(server_pid)], capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in children.split()]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def loaded_phase(url: str, questions: list[str], large: Path, server_pid: int) -> dict[str, object]:
    """Upload `large` from one browser, wait until it is embedding, then ask while another
    browser's 50-byte upload goes through; cancel the large one at the end."""
    owner, other = common.Browser(url), common.Browser(url)
    owner.upload(large)
    started, panel = owner.wait_for(lambda p: "%" in p or "⚠" in p, 600)
    if "⚠" in panel:
        return {"large": large.name, "refused": panel.strip()}
    tiny = common.SCRATCH / "tiny.txt"
    tiny.write_text("Абай Құнанбайұлы 1845 жылы туған.", encoding="utf-8")  # 50 bytes
    other.upload(tiny)
    small_s, _ = other.wait_for(lambda p: "✓" in p or "⚠" in p, 300)
    pids, at_start = workers(server_pid), owner.jobs()
    cpu, wall = cpu_seconds(pids), time.monotonic()
    seconds = phase(url, questions)
    worker_cores = (cpu_seconds(pids) - cpu) / (time.monotonic() - wall)
    progress = owner.jobs()
    memory = {
        "server_rss_mb": common.rss_mb(server_pid)["rss_mb"],
        "workers_rss_mb": [common.rss_mb(pid).get("rss_mb", 0.0) for pid in pids],
    }
    owner.cancel_all()
    return {
        "large": large.name,
        "large_bytes": large.stat().st_size,
        "seconds_until_embedding": round(started, 1),
        "small_upload_indexed_s": round(small_s, 1),
        "answers": common.summary_ms(seconds),
        "workers_cores_used": round(worker_cores, 2),  # CPU the indexing got while students asked
        "panel_at_start": " ".join(at_start.split()),
        "panel_at_end": " ".join(progress.split()),
        **memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-txt", action="store_true", help="Only the 250-page PDF")
    args = parser.parse_args()
    started = time.time()
    info = common.machine()
    print(common.machine_line(info))
    files = common.SCRATCH / "upload-load-files"
    files.mkdir(parents=True, exist_ok=True)
    pdf = make_pdf(files)
    large_files = [pdf] if args.skip_txt else [pdf, make_txt(files)]
    print(f"{pdf.name}: {pages_of(pdf)} pages, {pdf.stat().st_size / 2**20:.1f} MB")
    index_dir = common.SCRATCH / "upload-load-index"
    port = common.free_port()
    url = f"http://127.0.0.1:{port}"
    limits = {"max_upload_mb": "25", "quota_mb": "100", "quota_passages": "1000000"}
    server = common.start_serve(port, index_dir, LOG, **limits)
    try:
        common.wait_ready(url, server, LOG)
        questions = QUESTIONS
        phase(url, questions[:10])  # warm-up
        phases: list[dict[str, object]] = [{"phase": "idle", "answers": common.summary_ms(phase(url, questions))}]
        for large in large_files:
            loaded = loaded_phase(url, questions, large, server.pid)
            phases.append({"phase": f"indexing {large.name}", **loaded})
            time.sleep(5)  # the cancelled worker is gone
            phases.append({"phase": "idle", "answers": common.summary_ms(phase(url, questions))})
    finally:
        common.stop_serve(server)
    report(phases, info, started)


def report(phases: list[dict[str, object]], info: dict[str, object], started: float) -> None:
    for i, current in enumerate(phases):
        answers = current.get("answers", {})
        line = f"{current['phase']:<32} median {answers.get('median_ms', '–')} ms, p95 {answers.get('p95_ms', '–')} ms"
        if current["phase"] != "idle" and "answers" in current:
            idle = (phases[i - 1]["answers"]["median_ms"] + phases[i + 1]["answers"]["median_ms"]) / 2
            current["ratio_to_idle"] = round(answers["median_ms"] / idle, 2)
            small = current["small_upload_indexed_s"]
            line += f" -> {current['ratio_to_idle']}x idle; 50-byte upload indexed in {small} s"
            line += f"; workers used {current['workers_cores_used']} cores"
        elif "refused" in current:
            line = f"{current['phase']:<32} refused: {current['refused']}"
        print(line)
    common.write_result("upload_load", {"phases": phases, "questions_per_phase": QUESTIONS_PER_PHASE}, info, started)


if __name__ == "__main__":
    main()
