"""5-fold cross-validation of the NLU pipeline, with intent accuracy and macro-F1 per
language (the folder the example comes from: nlu/en, nlu/zh, nlu/mixed).

Each fold trains the real pipeline of config.yml with `rasa train nlu` on four fifths
of the examples (stratified by intent) and parses the fifth with the trained model.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from sklearn.model_selection import StratifiedKFold

from benchmarks.nlu_eval import score

ROOT = Path(__file__).resolve().parent.parent
GROUPS = {"en": "nlu/en", "zh": "nlu/zh", "mixed": "nlu/mixed", "other": "nlu/other"}


def load_training_examples() -> List[Tuple[str, str, str]]:
    """(text, intent, group) for every training example."""
    examples = []
    for group, folder in GROUPS.items():
        for path in sorted((ROOT / folder).glob("*.yml")):
            for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
                if "intent" not in item:
                    continue
                for line in item["examples"].splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        examples.append((line[2:].strip(), item["intent"], group))
    return examples


def write_nlu(path: Path, examples: List[Tuple[str, str, str]]) -> None:
    by_intent: Dict[str, List[str]] = defaultdict(list)
    for text, intent, _ in examples:
        by_intent[intent].append(text)
    # Written like the training files (literal blocks), one example per line.
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in by_intent.items():
        lines += [f"  - intent: {intent}", "    examples: |"] + [f"      - {t}" for t in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def _parse_all(model: str, texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    return [(await agent.parse_message(t))["intent"]["name"] for t in texts]


def cross_validate(folds: int = 5, config: str = "config.yml") -> Dict[str, dict]:
    examples = load_training_examples()
    gold: Dict[str, List[str]] = defaultdict(list)
    predicted: Dict[str, List[str]] = defaultdict(list)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=7)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    with tempfile.TemporaryDirectory(prefix="nlu-cv-") as tmp:
        for fold, (train_idx, test_idx) in enumerate(splitter.split(examples, [e[1] for e in examples])):
            folder = Path(tmp) / f"fold{fold}"
            folder.mkdir()
            write_nlu(folder / "nlu.yml", [examples[i] for i in train_idx])
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "rasa_ext",
                    "train",
                    "nlu",
                    "--config",
                    str(ROOT / config),
                    "--nlu",
                    str(folder / "nlu.yml"),
                    "--out",
                    str(folder),
                    "--fixed-model-name",
                    "model",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            test = [examples[i] for i in test_idx]
            names = asyncio.run(_parse_all(str(folder / "model.tar.gz"), [t for t, _, _ in test]))
            for (_, intent, group), name in zip(test, names, strict=True):
                gold[group].append(intent)
                predicted[group].append(name)
    results = {}
    for group in ("en", "zh", "mixed"):
        if gold[group]:
            errors = [p for g, p in zip(gold[group], predicted[group], strict=True) if g != p]
            results[group] = {
                **score(gold[group], predicted[group]),
                "fallback_share_of_errors": sum(p == "nlu_fallback" for p in errors) / max(1, len(errors)),
            }
    return results


if __name__ == "__main__":
    import startup

    startup.prepare()
    for group, r in cross_validate().items():
        print(f"{group:6} n={r['n']:4} accuracy={r['accuracy']:.3f} macro_f1={r['macro_f1']:.3f}")
