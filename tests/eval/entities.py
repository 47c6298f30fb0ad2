"""Entity quality on CoNLL-2003 (dev), document level, for the plain model and for newsflow's entities.

    python -m tests.eval.entities [--data ../shared/data] [--json out.json]

The measure is the one ../shared/data/README.md defines: per document, a gold person, organisation or
location counts as found when an output entity of that type has it as its name or an alias
(case-insensitive); precision counts output entities of those types that match a gold name of their type.
Counts are summed over documents (micro average). Documents are rebuilt from the sentence stream: one starts
at a headline followed by a ``CITY YYYY-MM-DD`` line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from services.processor.entities import load_pipeline, mentions_of, resolve, truecase_shouting
from services.processor.topics import a_sports_story, classify
from tests.support import measurement_parser, report

GOLD_TYPES = {"PER": "person", "ORG": "organization", "LOC": "location"}
PLAIN_TYPES = {"PERSON": "person", "ORG": "organization", "GPE": "location", "LOC": "location"}
_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'/-]* \d{4}-\d{2}-\d{2}$")


@dataclass
class Document:
    sentences: list[str] = field(default_factory=list)
    gold: set[tuple[str, str]] = field(default_factory=set)

    @property
    def title(self) -> str:
        return self.sentences[0]

    @property
    def text(self) -> str:
        return self.sentences[0] + "\n\n" + "\n".join(self.sentences[1:])


def read_sentences(path: Path) -> list[list[tuple[str, str]]]:
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
        elif not line.startswith("-DOCSTART-"):
            token, tag = line.rsplit(" ", 1)
            current.append((token, tag))
    if current:
        sentences.append(current)
    return sentences


def documents(path: Path) -> list[Document]:
    sentences = read_sentences(path)
    texts = [" ".join(token for token, _ in sentence) for sentence in sentences]
    docs: list[Document] = []
    for index, sentence in enumerate(sentences):
        starts = index + 1 < len(texts) and _DATELINE.match(texts[index + 1]) and not _DATELINE.match(texts[index])
        if starts or not docs:
            docs.append(Document())
        docs[-1].sentences.append(texts[index])
        name: list[str] = []
        kind = ""
        for token, tag in [*sentence, ("", "O")]:
            if tag.startswith("I-") and name:
                name.append(token)
                continue
            if name and kind in GOLD_TYPES:
                docs[-1].gold.add((GOLD_TYPES[kind], " ".join(name).lower()))
            name, kind = ([token], tag[2:]) if tag.startswith("B-") else ([], "")
    return docs


def score(
    found: list[set[tuple[str, str]]], outputs: list[list[tuple[str, set[str]]]], docs: list[Document]
) -> dict[str, float]:
    hits = gold = correct = produced = 0
    for doc, doc_found, doc_outputs in zip(docs, found, outputs, strict=True):
        gold += len(doc.gold)
        hits += len(doc.gold & doc_found)
        produced += len(doc_outputs)
        correct += sum(any((kind, name) in doc.gold for name in names) for kind, names in doc_outputs)
    precision, recall = correct / max(produced, 1), hits / max(gold, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def evaluate(data: Path) -> dict[str, object]:
    docs = documents(data / "conll2003" / "dev.txt")
    nlp = load_pipeline()
    plain_outputs, ours_outputs = [], []
    plain_docs = nlp.pipe([doc.text for doc in docs], batch_size=32)
    ours_texts = [truecase_shouting(doc.text) for doc in docs]
    for doc, plain, text, ours in zip(docs, plain_docs, ours_texts, nlp.pipe(ours_texts, batch_size=32), strict=True):
        plain_outputs.append([(PLAIN_TYPES[e.label_], {e.text.lower()}) for e in plain.ents if e.label_ in PLAIN_TYPES])
        lead = text.find("\n", len(doc.title) + 2)
        sport = a_sports_story(classify(doc.title, doc.text, nlp.vocab.vectors))
        entities = resolve(mentions_of(ours, len(doc.title), lead, text), text, max_entities=500, sport=sport)
        ours_outputs.append(
            [
                (entity.type.value, {entity.name.lower(), *(alias.lower() for alias in entity.aliases)})
                for entity in entities
                if entity.type.value in GOLD_TYPES.values()
            ]
        )

    def found(outputs: list[list[tuple[str, set[str]]]]) -> list[set[tuple[str, str]]]:
        return [{(kind, name) for kind, names in doc for name in names} for doc in outputs]

    return {
        "documents": len(docs),
        "gold_entities": sum(len(doc.gold) for doc in docs),
        "plain_model": score(found(plain_outputs), plain_outputs, docs),
        "newsflow": score(found(ours_outputs), ours_outputs, docs),
    }


def main(argv: list[str] | None = None) -> int:
    args = measurement_parser(__doc__).parse_args(argv)
    return report(evaluate(args.data), args.json)


if __name__ == "__main__":
    sys.exit(main())
