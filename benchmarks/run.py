"""`make bench`: measure everything and write docs/benchmarks.md.

- NLU: held-out split (tests/nlu/heldout_*.yml, never trained on) and 5-fold
  cross-validation: intent accuracy and macro-F1 per language and for mixed messages.
- Retrieval (knowledge base): top-1 accuracy per language, confident-wrong share,
  latency with 1,000 entries (benchmarks/retrieval_bench.py).
- Entity extraction: time per message over the NLU training messages (benchmarks/entity_bench.py).
- Savings of the merged form (benchmarks/savings.py).
- Speed: messages/s and p50/p95/p99 latency at 1, 20 and 50 concurrent conversations
  over the REST channel, and the Rasa process's peak memory, for our model and for the
  stock `rasa init` configuration trained on the same data (benchmarks/baseline_config.yml),
  both with the backend and the action server running.
- Redaction worst case on adversarial 1 MB inputs (benchmarks/redaction_bench.py).
- Statistics: GET /api/v1/statistics for a year of 100,000 cases and 1,000,000 conversation
  events in PostgreSQL (benchmarks/statistics_bench.py; skipped when PostgreSQL does not answer).
- A 5,000-event conversation: time per message, and other users' meanwhile
  (benchmarks/long_conversation.py).
- A storm of staff sign-ins: other requests' latency meanwhile (benchmarks/signin_bench.py).
- Training time and model size.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import startup  # noqa: E402
from benchmarks import (  # noqa: E402
    entity_bench,
    load,
    long_conversation,
    nlu_cv,
    nlu_eval,
    redaction_bench,
    savings,
    signin_bench,
    statistics_bench,
)
from scripts import local_stack  # noqa: E402

MODEL = ROOT / "models" / "current.tar.gz"
BASELINE = ROOT / "models" / "baseline.tar.gz"
OUT = ROOT / "docs" / "benchmarks.md"
ENV = {**os.environ, **local_stack.QUIET}
TRAINING_INPUTS = [
    ROOT / "domain.yml",
    *sorted((ROOT / "nlu").rglob("*.yml")),
    *sorted((ROOT / "bot").glob("*.yml")),
]


def train(config: Path, out: Path, name: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa_ext",
            "train",
            "--config",
            str(config),
            "--data",
            "nlu",
            "bot",
            "--domain",
            "domain.yml",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def stale(model: Path, inputs: List[Path]) -> bool:
    return not model.exists() or any(p.stat().st_mtime > model.stat().st_mtime for p in inputs)


def table(rows: List[Dict], columns: List[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def mark(ok: bool) -> str:
    return "met" if ok else "NOT met"


def nlu_table(results: Dict[str, dict]) -> str:
    rows = [
        {
            "set": lang,
            "messages": r["n"],
            "accuracy": f"{r['accuracy']:.3f}",
            "macro-F1": f"{r['macro_f1']:.3f}",
            "wrong intent (not 'please rephrase')": f"{r['wrong_answer_rate']:.1%}",
            "target": mark(r["macro_f1"] >= 0.95),
        }
        for lang, r in results.items()
    ]
    return table(
        rows, ["set", "messages", "accuracy", "macro-F1", "wrong intent (not 'please rephrase')", "target"]
    )


def retrieval_section(retrieval: Dict) -> List[str]:
    """The knowledge-base retrieval part of docs/benchmarks.md (from retrieval_bench.run())."""
    lines: List[str] = []
    lines.append("## Knowledge-base retrieval\n")
    lines.append(
        "Held-out paraphrases: `tests/data/faq_paraphrases.yml`, written apart from the entries. "
        "Targets: top-1 at least 0.90 per language; confident wrong answers at most 0.03; p95 latency "
        "with 1,000 entries at most 20 ms.\n"
    )
    lat = retrieval["latency"]
    lines.append(
        table(
            [
                {
                    "measure": "top-1 accuracy, English",
                    "value": f"{retrieval['top1_en']:.3f}",
                    "result": mark(retrieval["top1_en"] >= 0.90),
                },
                {
                    "measure": "top-1 accuracy, Chinese",
                    "value": f"{retrieval['top1_zh']:.3f}",
                    "result": mark(retrieval["top1_zh"] >= 0.90),
                },
                {
                    "measure": "confident answers that are wrong",
                    "value": f"{retrieval['confident_wrong_share']:.3f}",
                    "result": mark(retrieval["confident_wrong_share"] <= 0.03),
                },
                {
                    "measure": "off-topic questions answered confidently",
                    "value": f"{retrieval['null_confident_rate']:.3f}",
                    "result": "",
                },
                {
                    "measure": "answerable questions answered directly",
                    "value": f"{retrieval['answered_directly_rate']:.3f}",
                    "result": "",
                },
                {
                    "measure": f"search p50 / p95 with {lat['entries']} entries",
                    "value": f"{lat['p50_ms']:.2f} / {lat['p95_ms']:.2f} ms",
                    "result": mark(lat["p95_ms"] <= 20),
                },
            ],
            ["measure", "value", "result"],
        )
        + "\n"
    )
    decision = retrieval["decision"]
    lines.append(
        'First reply (issue 11): the retriever answers directly, asks "did you mean" (ambiguous) '
        "or says no match. Decision (threshold {threshold}, ambiguity margin {ambiguity_margin}, "
        "no-match threshold {no_match_threshold}) chosen on the blind calibration half and the older set, "
        "frozen, then measured once on the blind evaluation half (never tuned on). Targets on the "
        "evaluation half, per language: expected entry answered directly >= 0.95 of answerable "
        "questions; confident wrong <= 0.02 of direct answers; off-topic answered: 0.\n".format(**decision)
    )
    rows = []
    for name, by_language in retrieval["first_reply"].items():
        for language in ("en", "zh"):
            r = by_language[language]
            target = name == "blind_evaluation"
            rows.append(
                {
                    "set": name,
                    "language": language,
                    "answered right": f"{r['answered_right']:.3f}",
                    "confident wrong": f"{r['confident_wrong']:.3f}",
                    "did you mean": f"{r['did_you_mean']:.3f}",
                    "no match": f"{r['no_match']:.3f}",
                    "off-topic answered": f"{r['null_answered']:.3f}",
                    "off-topic no match": f"{r['null_no_match']:.3f}",
                    "result": mark(r["meets_targets"]) if target else "",
                }
            )
    lines.append(
        table(
            rows,
            [
                "set",
                "language",
                "answered right",
                "confident wrong",
                "did you mean",
                "no match",
                "off-topic answered",
                "off-topic no match",
                "result",
            ],
        )
        + "\n"
    )
    return lines


def main() -> None:
    startup.prepare()
    started = time.time()
    report: List[str] = []
    load_before = os.getloadavg()[0]
    print("training our model from scratch (timing)...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        ours_train_s = train(ROOT / "config.yml", Path(tmp), "timed")
        ours_size_mb = (Path(tmp) / "timed.tar.gz").stat().st_size / 1e6
    baseline_config = ROOT / "benchmarks" / "baseline_config.yml"
    baseline_train_s = None
    if stale(BASELINE, [*TRAINING_INPUTS, baseline_config]):
        print("training the rasa-init baseline on our data...", flush=True)
        baseline_train_s = train(baseline_config, ROOT / "models", "baseline")
    baseline_size_mb = BASELINE.stat().st_size / 1e6

    print("held-out and blind NLU evaluation...", flush=True)
    heldout = asyncio.run(nlu_eval.evaluate(str(MODEL)))
    blind = asyncio.run(nlu_eval.evaluate(str(MODEL), nlu_eval.BLIND))
    print("5-fold cross-validation...", flush=True)
    cv = nlu_cv.cross_validate()

    retrieval = None
    try:
        from benchmarks import retrieval_bench

        print("retrieval benchmark...", flush=True)
        retrieval = retrieval_bench.run(verbose=False)
    except ImportError as exc:
        print(f"retrieval benchmark skipped: {exc}")

    print("entity extraction...", flush=True)
    entities = entity_bench.run()

    print("load tests (backend and action server running)...", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        token = "bench-service-token-0123456789"
        backend, backend_url = local_stack.start_backend(Path(tmp), {"SERVICE_TOKEN": token})
        actions, action_url = local_stack.start_actions(
            Path(tmp), {"SERVICE_TOKEN": token, "BACKEND_URL": backend_url}
        )
        try:
            ours = load.run_levels(MODEL, action_url=action_url)
            baseline = load.run_levels(BASELINE, action_url=action_url, stock_tracker_store=True)
        finally:
            local_stack.stop(actions)
            local_stack.stop(backend)

    # ---- report -------------------------------------------------------------
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    report.append("# Benchmarks\n")
    report.append(
        f"Written by `make bench` on {now}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load_before:.1f} at the start. Run it again after any change that could move "
        "these figures; do not edit this file by hand.\n"
    )

    report.append("## NLU: intent classification\n")
    report.append(
        "Held-out split: `tests/nlu/heldout_{en,zh,mixed}.yml`, written separately from the training "
        "data and never trained on. Target: macro-F1 at least 0.95 per language.\n"
    )
    report.append(nlu_table(heldout) + "\n")
    report.append(
        "Blind set: `tests/nlu/blind_{en,zh,mixed}.yml`, written later by another author who never read "
        "the training data or the held-out set (typos, Chinglish, voice-input Chinese, indirect and "
        "rambling questions), and never trained on: the closer measure of messages written by others.\n"
    )
    report.append(nlu_table(blind) + "\n")
    report.append(
        "5-fold cross-validation over the training data (stratified by intent; each fold trains the "
        "real pipeline of `config.yml`):\n"
    )
    rows = [
        {
            "set": lang,
            "messages": r["n"],
            "accuracy": f"{r['accuracy']:.3f}",
            "macro-F1": f"{r['macro_f1']:.3f}",
            "errors that are 'please rephrase'": f"{r['fallback_share_of_errors']:.0%}",
        }
        for lang, r in cv.items()
    ]
    report.append(
        table(rows, ["set", "messages", "accuracy", "macro-F1", "errors that are 'please rephrase'"]) + "\n"
    )
    report.append(
        "Cross-validation scores lie below the held-out ones because each fold holds out a fifth of the "
        'training data\'s long tail of one-off phrasings (single words such as "wassup" or "absolutely" '
        "whose words appear nowhere else); many of those errors are the fallback asking to rephrase rather "
        "than a wrong answer. The held-out sets measure typical messages written by someone else.\n"
    )
    report.append(
        "How the pipeline was chosen (held-out macro-F1 en / zh / mixed, measured on 2026-11-23): Rasa's "
        "LogisticRegressionClassifier on count features 0.945 / 0.969 / 0.996 (0.950 / 0.970 / 0.995 once the "
        "ambiguity fallback was turned off); the same with character 2-5-grams 0.953 / 0.963 / 0.987; DIET "
        "(60 epochs) 0.966 / 0.966 / 1.000 but 14 minutes to train here and several milliseconds per message; "
        "TF-IDF with logistic regression, C=10 (`nlu/components/tfidf_intent_classifier.py`) 0.968 / 0.974 / 0.993 "
        "in about 30 s of training. The fallback threshold 0.3 turns part of the remaining errors into a request "
        "to rephrase (with the menu) instead of a wrong answer; the 'wrong intent' column counts the rest.\n"
    )

    report.append("## NLU: entity extraction\n")
    report.append(
        "`nlu/components/entity_extractor.py` (service_item, case_number, country, city; patterns built "
        "from the knowledge data when the model loads) on every training message of `nlu/en`, `nlu/zh` "
        "and `nlu/mixed`, three times over, in one process (`benchmarks/entity_bench.py`). Target: p95 "
        "under 1 ms per message.\n"
    )
    report.append(table([entities], entity_bench.COLUMNS) + "\n")

    if retrieval:
        report.extend(retrieval_section(retrieval))

    report.append("## Speed and memory\n")
    report.append(
        "Closed-loop conversations over `POST /webhooks/rest/webhook` (script of 8 messages in both "
        "languages, policy questions included, so the action server and backend answer them); SQLite "
        "tracker store as `make run` uses. Peak memory is the Rasa process's VmHWM.\n"
    )
    report.append(
        'The script\'s "我想apply work permit" starts the merged application, so each conversation '
        "also enters the application form (the consent question) and its last two messages are answered "
        "from inside the form: the form's validation action, the draft read from the backend and the "
        "form's question, two action calls per message. Every conversation has a new sender id.\n"
    )
    columns = ["concurrency", "messages", "errors", "msgs_per_s", "p50_ms", "p95_ms", "p99_ms", "peak_rss_mb"]
    report.append("Ours (`config.yml`):\n\n" + table(ours, columns) + "\n")
    report.append(
        "Baseline (`rasa init` configuration trained on our data, `benchmarks/baseline_config.yml`, with "
        "the stock in-memory tracker store of a `rasa init` project; it uses our response generator "
        "only so that our bilingual responses render):\n\n" + table(baseline, columns) + "\n"
    )
    by = {r["concurrency"]: r for r in ours}
    base = {r["concurrency"]: r for r in baseline}
    ratio = by[50]["msgs_per_s"] / base[50]["msgs_per_s"] if base[50]["msgs_per_s"] else float("inf")
    report.append(
        table(
            [
                {
                    "target": "throughput at 50 concurrent >= 5x baseline",
                    "measured": f"{ratio:.1f}x",
                    "result": mark(ratio >= 5),
                },
                {
                    "target": "p95 at 20 concurrent <= 300 ms",
                    "measured": f"{by[20]['p95_ms']} ms",
                    "result": mark(by[20]["p95_ms"] <= 300),
                },
                {
                    "target": "single-conversation p50 <= 50 ms",
                    "measured": f"{by[1]['p50_ms']} ms",
                    "result": mark(by[1]["p50_ms"] <= 50),
                },
            ],
            ["target", "measured", "result"],
        )
        + "\n"
    )

    report.append(
        "Where the time went, and what was done (py-spy profiles of the Rasa process under load): Rasa's SQL "
        "tracker store re-read and re-counted every event on each message (more than half of the time; replaced "
        "by `stores/cached_sql_tracker_store.py`); sklearn's per-call overhead for a single short message in the "
        "classifier (1.2 ms; the TF-IDF vector and softmax are now computed directly, same probabilities); Rasa "
        "re-validating its events JSON schema against the meta-schema on every action-server response (25 ms of a "
        "policy answer), and then trying every event against all 23 event types of the schema (about 10 % of the "
        "Rasa process once the application form existed; `rasa_ext/fast_action_validation.py` checks each "
        "event against its own type with validators built once, same verdicts and messages); sending the whole "
        "domain with every action call (`enable_selective_domain`; only the eligibility form's validation still "
        "receives it); Rasa's RulePolicy recomputing the states of the whole conversation for every prediction "
        "(about a fifth of the time; `dialogue/fast_rule_policy.py` featurises only the turns its rules can "
        "see and keeps them between predictions, with the same predictions); dask re-building and re-ordering the "
        "model's graph for every message and every predicted action (about half of the graph-run time, 12 % of the "
        "process; `rasa_ext/fast_graph_runner.py` works the order out once, same results). What remains is "
        "Rasa itself: serialising the conversation for each action call and a new connection per call, tracker "
        "persistence, the HTTP layer and NLU. The baseline runs Rasa's own code for all of these.\n"
    )
    report.append("## One form instead of separate applications\n")
    report.append(
        "Computed from `knowledge/application/items.yml` and `fields.yml` (`benchmarks/savings.py`): the "
        "fields the merged form asks once against the sum of what each item's separate application asks, "
        "and the same for the materials every application of that item needs (the submission answer counts "
        "the applicant's own situation, which can add a few, both ways).\n"
    )
    report.append(table(savings.rows(), savings.COLUMNS) + "\n")
    report.append(redaction_bench.section())
    print("statistics over a year (PostgreSQL)...", flush=True)
    try:
        report.append(statistics_bench.section())
    except Exception as exc:  # PostgreSQL not running here: say so in the report
        report.append(f"## Statistics over a year\n\nNot measured: {type(exc).__name__}: {str(exc)[:200]}\n")
    print("long conversation...", flush=True)
    report.append(long_conversation.section())
    print("sign-in storm...", flush=True)
    report.append(signin_bench.section())
    report.append("## Training time and model size\n")
    report.append(
        table(
            [
                {"model": "ours", "training_s": f"{ours_train_s:.0f}", "size_mb": f"{ours_size_mb:.1f}"},
                {
                    "model": "baseline (5 epochs per neural component)",
                    "training_s": f"{baseline_train_s:.0f}" if baseline_train_s else "(cached)",
                    "size_mb": f"{baseline_size_mb:.1f}",
                },
            ],
            ["model", "training_s", "size_mb"],
        )
        + "\n"
    )
    report.append(f"`make bench` took {(time.time() - started) / 60:.1f} minutes.\n")
    OUT.write_text("\n".join(report), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
