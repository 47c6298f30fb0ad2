"""Topic quality: the top IPTC code against BBC News labels, and AG News as a second, different corpus.

    python -m tests.eval.topics [--data ../shared/data] [--json out.json]

Measures as defined in ../shared/data/README.md: BBC — the top code must equal the label's top-level code;
AG News — the same for Sports/Business/Sci-Tech, and for World any of 03, 11, 14, 16 in the top two. Nothing
was trained on either set; the word vectors are
the NER pipeline's own. Also reports how often the top topic is right at each score band, so a threshold
can be chosen knowing what it means.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from services.fetcher.inputs import split_seed_text
from services.processor.entities import load_pipeline
from services.processor.topics import classify
from tests.support import measurement_parser, report

BBC_LABELS = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "politics": "medtop:11000000",
    "sport": "medtop:15000000",
    "tech": "medtop:13000000",
}
AG_LABELS = {"2": {"medtop:15000000"}, "3": {"medtop:04000000"}, "4": {"medtop:13000000"}}
AG_WORLD = {"medtop:03000000", "medtop:11000000", "medtop:14000000", "medtop:16000000"}


def top_codes(title: str | None, body: str, n: int) -> tuple[list[str], float]:
    vectors = load_pipeline().vocab.vectors
    topics = [topic for topic in classify(title, body, vectors) if topic.code.endswith("000000")]
    return [topic.code for topic in topics[:n]], (topics[0].score if topics else 0.0)


def bbc(data: Path) -> dict[str, object]:
    right = 0
    per_label: Counter[str] = Counter()
    bands: Counter[tuple[float, bool]] = Counter()
    totals: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for label, code in BBC_LABELS.items():
        for path in sorted((data / "bbc-news" / label).glob("*.txt")):
            title, body = split_seed_text(path.read_text(encoding="utf-8", errors="replace"))
            (top, *_), score = top_codes(title, body, 1)
            hit = top == code
            right += hit
            per_label[label] += hit
            totals[label] += 1
            band = min(int(score * 10), 9) / 10
            bands[(band, hit)] += 1
            if not hit:
                confusion[(label, top)] += 1
    count = sum(totals.values())
    return {
        "articles": count,
        "accuracy": round(right / count, 3),
        "per_label": {label: round(per_label[label] / totals[label], 3) for label in totals},
        "accuracy_by_top_score": {
            f"{band:.1f}-{band + 0.1:.1f}": f"{bands[(band, True)]}/{bands[(band, True)] + bands[(band, False)]}"
            for band in sorted({band for band, _ in bands})
        },
        "commonest_confusions": [f"{label} → {code}: {n}" for (label, code), n in confusion.most_common(5)],
    }


def ag_news(data: Path, limit: int) -> dict[str, object]:
    right = total = 0
    with (data / "ag-news" / "test.csv").open(encoding="utf-8") as handle:
        for row in list(csv.reader(handle))[:limit]:
            label, title, description = row[0], row[1], row[2].replace("\\", " ")
            top, _ = top_codes(title, description, 2)
            if label == "1":
                right += bool(AG_WORLD & set(top[:2]))
            else:
                right += bool(top) and top[0] in AG_LABELS[label]
            total += 1
    return {"articles": total, "accuracy": round(right / total, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--ag-limit", type=int, default=7600)
    args = parser.parse_args(argv)
    return report({"bbc_news": bbc(args.data), "ag_news": ag_news(args.data, args.ag_limit)}, args.json)


if __name__ == "__main__":
    sys.exit(main())
