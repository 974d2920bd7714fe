"""Held-out NLU evaluation: intent accuracy and macro-F1 per language.

`python -m benchmarks.nlu_eval MODEL [-v]` parses two test sets that are never trained on
with the trained model and prints the table (`-v`: plus the misclassified messages):
- tests/nlu/heldout_{en,zh,mixed}.yml, written alongside the training data;
- tests/nlu/blind_{en,zh,mixed}.yml, written later by another author who never read the
  training data or the first set: the closer measure of messages written by others.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Dict, List, Tuple

from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh", "mixed")
HELDOUT = {lang: ROOT / "tests" / "nlu" / f"heldout_{lang}.yml" for lang in LANGUAGES}
BLIND = {lang: ROOT / "tests" / "nlu" / f"blind_{lang}.yml" for lang in LANGUAGES}


def load_examples(path: Path) -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def score(gold: List[str], predicted: List[str]) -> Dict[str, float]:
    labels = sorted(set(gold))
    return {
        "n": len(gold),
        "accuracy": accuracy_score(gold, predicted),
        "macro_f1": f1_score(gold, predicted, labels=labels, average="macro", zero_division=0),
    }


async def evaluate(model_path: str, sets: Dict[str, Path] = HELDOUT) -> Dict[str, dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    results: Dict[str, dict] = {}
    for lang, path in sets.items():
        examples = load_examples(path)
        predicted, errors = [], []
        for text, intent in examples:
            parsed = await agent.parse_message(text)
            name = parsed["intent"]["name"]
            predicted.append(name)
            if name != intent:
                errors.append((text, intent, name, round(parsed["intent"]["confidence"], 2)))
        # a wrong intent is a wrong answer; the fallback only asks to rephrase
        wrong = sum(1 for _, _, name, _ in errors if name != "nlu_fallback")
        results[lang] = {
            **score([i for _, i in examples], predicted),
            "errors": errors,
            "wrong_answer_rate": wrong / max(1, len(examples)),
        }
    return results


def main() -> None:
    import startup

    startup.prepare()
    args = [a for a in sys.argv[1:] if a != "-v"]
    model = args[0] if args else str(ROOT / "models" / "current.tar.gz")
    for name, sets in (("heldout", HELDOUT), ("blind", BLIND)):
        results = asyncio.run(evaluate(model, sets))
        for lang, r in results.items():
            print(
                f"{name:8} {lang:6} n={r['n']:4} accuracy={r['accuracy']:.3f} macro_f1={r['macro_f1']:.3f} "
                f"wrong_intent={r['wrong_answer_rate']:.1%}"
            )
        if "-v" in sys.argv:
            for lang, r in results.items():
                for e in r["errors"]:
                    print(name, lang, e)


if __name__ == "__main__":
    main()
