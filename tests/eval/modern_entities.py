"""Entity quality on modern news: same-story articles labelled by hand, in two sets.

    python -m tests.eval.modern_entities [--set dev|check|check2|check3|check4] [--data ../shared/data]
        [--json out.json]

``dev`` (``modern-entities/articles.txt``: 44 articles, six categories, 37 outlets, 33 events) is the set rules
are measured on as they are written. Four check sets (``check``, ``check2``, ``check3`` of 30 more each,
``check4`` of 25), each drawn at random and labelled by other readers, say whether rules hold on articles they
were not written against: each was measured before any rule looked at it; ``check`` to ``check3`` have since
been read for errors, ``check4`` has not (each ``articles.txt`` says so). All follow
``modern-entities/GUIDE.md``: every surface form of every person, organisation and place. The measure is the
CoNLL one (tests/eval/entities.py): per document, a gold name counts as found when an output entity of its
type has it as its name or an alias, case-insensitive; precision counts output entities of those types that
match a gold name of their type. A leading "the" is ignored on both sides (the guide drops it). Articles go
through the real path: RawArticle → clean → enrich.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas import RawArticle
from services.processor.clean import clean
from services.processor.enrich import enrich_batch
from services.processor.entities import load_pipeline
from tests.eval.entities import PLAIN_TYPES, score
from tests.support import measurement_parser, report

HERE = Path(__file__).resolve().parent / "modern-entities"
SETS = {"dev": HERE, **{name: HERE / name for name in ("check", "check2", "check3", "check4")}}
TYPES = {"persons": "person", "organizations": "organization", "locations": "location"}


def normal(name: str) -> str:
    folded = " ".join(name.casefold().split())
    return folded[4:] if folded.startswith("the ") else folded


def evaluate(data: Path, labelled: Path = HERE) -> dict[str, object]:
    articles = {row["doc_id"]: row for row in map(json.loads, (data / "same-story" / "articles.jsonl").open())}
    labels = [json.loads(line) for line in (labelled / "labels.jsonl").open()]
    gold = [{(kind, normal(name)) for key, kind in TYPES.items() for name in label[key]} for label in labels]
    rows = [articles[label["doc_id"]] for label in labels]
    raws = [RawArticle(url=row["url"], title=row["title"], text=row["text"]) for row in rows]
    cleaned = [clean(raw) for raw in raws]
    ours = [
        [
            (entity.type.value, {normal(entity.name), *(normal(alias) for alias in entity.aliases)})
            for entity in article.entities
            if entity.type.value in TYPES.values()
        ]
        for article in enrich_batch(cleaned)
    ]
    nlp = load_pipeline()
    texts = [f"{article.title}\n\n{article.body}" for article in cleaned]
    plain = [
        [(PLAIN_TYPES[e.label_], {normal(e.text)}) for e in doc.ents if e.label_ in PLAIN_TYPES]
        for doc in nlp.pipe(texts, batch_size=32)
    ]

    class Doc:  # the shape tests.eval.entities.score reads
        def __init__(self, names: set[tuple[str, str]]) -> None:
            self.gold = names

    docs = [Doc(names) for names in gold]

    def found(outputs: list[list[tuple[str, set[str]]]]) -> list[set[tuple[str, str]]]:
        return [{(kind, name) for kind, names in doc for name in names} for doc in outputs]

    return {
        "documents": len(labels),
        "gold_entities": sum(len(names) for names in gold),
        "plain_model": score(found(plain), plain, docs),  # type: ignore[arg-type]
        "newsflow": score(found(ours), ours, docs),  # type: ignore[arg-type]
    }


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--set", choices=sorted(SETS), default="dev", help="which labelled set (default: dev)")
    args = parser.parse_args(argv)
    return report(evaluate(args.data, SETS[args.set]), args.json)


if __name__ == "__main__":
    sys.exit(main())
