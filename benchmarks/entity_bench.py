"""Cost of the entity extractor (nlu/components/entities.py) per message.

Every training example of nlu/en, nlu/zh and nlu/mixed (plain text, entity markup removed),
run through the finder a few times over: median and p95 time per message, the share of
messages that carry an entity, and the time to build the patterns. Target: p95 under 1 ms.
`python -m benchmarks.entity_bench` prints the figures.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu.components.entities import EntityFinder  # noqa: E402

_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
COLUMNS = ["messages", "runs", "with an entity", "median_us", "p95_us", "max_us", "build_s", "target"]


def messages() -> List[str]:
    """The training examples of the three language folders, as a user would type them."""
    out: List[str] = []
    for folder in ("en", "zh", "mixed"):
        for path in sorted((ROOT / "nlu" / folder).glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for block in data.get("nlu") or []:
                for line in str(block.get("examples") or "").splitlines():
                    text = line.strip()
                    if text.startswith("- "):
                        out.append(_MARKUP.sub(r"\1", text[2:].strip()))
    return out


def run(repeats: int = 3) -> Dict[str, object]:
    started = time.perf_counter()
    finder = EntityFinder()
    build_s = time.perf_counter() - started
    texts = messages()
    for text in texts[:200]:  # warm up
        finder.find(text)
    timings: List[float] = []
    with_entity = 0
    for _ in range(repeats):
        for text in texts:
            t0 = time.perf_counter()
            found = finder.find(text)
            timings.append(time.perf_counter() - t0)
            with_entity += bool(found)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    return {
        "messages": len(texts),
        "runs": len(timings),
        "with an entity": f"{with_entity / len(timings):.0%}",
        "median_us": f"{statistics.median(timings) * 1e6:.0f}",
        "p95_us": f"{p95 * 1e6:.0f}",
        "max_us": f"{timings[-1] * 1e6:.0f}",
        "build_s": f"{build_s:.1f}",
        "target": "met" if p95 < 1e-3 else "NOT met",
    }


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
