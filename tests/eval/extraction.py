"""Body and metadata extraction measured on real pages, with the measures of ../shared/data/README.md.

    python -m tests.eval.extraction [--data ../shared/data] [--json out.json] [--show-worst N]

Body: the article-extraction benchmark's measure (4-word shingles with counts, precision and recall
averaged over pages, F1 of the averages). Metadata (news-pages): title equal after NFKC, quote and
whitespace normalisation and case-folding; authors equal as a set after the same; date equal to the day.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import RawArticle
from services.common.metadata import parse_datetime
from services.fetcher.inputs import decode_text
from services.processor.clean import clean

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
_WORD = re.compile(r"\w+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def shingles(text: str, size: int = 4) -> Counter[tuple[str, ...]]:
    words = _WORD.findall(text)
    return Counter(tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 0)))


def page_precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    """One page's shingle precision and recall; an empty side scores as the benchmark does."""
    pred, gold = shingles(predicted), shingles(truth)
    tp = sum((pred & gold).values())
    fp = sum(pred.values()) - tp
    fn = sum(gold.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return 1.0, 1.0
    share_tp, share_fp, share_fn = tp / total, fp / total, fn / total
    precision = share_tp / (share_tp + share_fp) if tp + fp else 0.0
    recall = share_tp / (share_tp + share_fn) if tp + fn else 0.0
    return precision, recall


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold()


def _listish(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    if not value:
        return []
    for parse in (json.loads, ast.literal_eval):
        try:
            parsed = parse(value)
        except (ValueError, SyntaxError):
            continue
        if isinstance(parsed, list):
            return [str(item) for item in parsed]
    return [str(value)]


@dataclass
class Scores:
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    authors: list[bool] = field(default_factory=list)
    worst: list[tuple[float, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def f1(self) -> float:
        p = sum(self.precisions) / len(self.precisions)
        r = sum(self.recalls) / len(self.recalls)
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> dict[str, float]:
        result = {
            "pages": len(self.precisions),
            "precision": round(sum(self.precisions) / len(self.precisions), 4),
            "recall": round(sum(self.recalls) / len(self.recalls), 4),
            "f1": round(self.f1, 4),
            "pages_per_s": round(len(self.precisions) / self.seconds, 1) if self.seconds else 0.0,
        }
        for name in ("titles", "dates", "authors"):
            values = getattr(self, name)
            if values:
                result[name[:-1] if name != "authors" else "authors"] = round(sum(values) / len(values), 4)
        return result


def _utc_day(value: str | None) -> str:
    """The ground truth's publication day, in UTC like newsflow's timestamps."""
    parsed = parse_datetime(value)
    return parsed.date().isoformat() if parsed else ""


def _read_page(path: Path) -> str:
    return decode_text(gzip.decompress(path.read_bytes()), str(path))


def _extract(url: str, html: str) -> dict[str, Any]:
    article = clean(RawArticle(url=url, html=html))
    return {
        "body": article.body,
        "title": article.title or "",
        "authors": article.authors,
        "published": article.published_at.date().isoformat() if article.published_at else "",
    }


def _pages(data: Path, name: str) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(key, ground truth, what newsflow extracted) for every page of one set, in key order."""
    truth = json.loads((data / name / "ground-truth.json").read_text())
    for key, item in sorted(truth.items()):
        html = _read_page(data / name / "html" / f"{key}.html.gz")
        try:
            found = _extract(item.get("url") or f"https://example.invalid/{key}", html)
        except ValueError:  # nothing extracted: scores as an empty page
            found = {"body": "", "title": "", "authors": [], "published": ""}
        yield key, item, found


def evaluate_article_extraction(data: Path) -> Scores:
    scores = Scores()
    started = time.perf_counter()
    for key, item, found in _pages(data, "article-extraction"):
        precision, recall = page_precision_recall(found["body"], item["articleBody"])
        scores.precisions.append(precision)
        scores.recalls.append(recall)
        scores.worst.append((min(precision, recall), key))
    scores.seconds = time.perf_counter() - started
    return scores


def evaluate_news_pages(data: Path) -> Scores:
    scores = Scores()
    started = time.perf_counter()
    for key, item, found in _pages(data, "news-pages"):
        gold_body = "\n".join(_listish(item.get("paragraphs")))
        precision, recall = page_precision_recall(found["body"], gold_body)
        scores.precisions.append(precision)
        scores.recalls.append(recall)
        scores.worst.append((min(precision, recall), key))
        scores.titles.append(normalise(found["title"]) == normalise(item.get("title") or ""))
        gold_authors = {normalise(a) for a in _listish(item.get("authors"))}
        scores.authors.append({normalise(a) for a in found["authors"]} == gold_authors)
        gold_day = _utc_day(item.get("published_at"))
        scores.dates.append(found["published"] == gold_day)
    scores.seconds = time.perf_counter() - started
    return scores


def metadata_mismatches(data: Path) -> Iterable[str]:
    """What differs on each news page, for looking at failures by hand."""
    for key, item, found in _pages(data, "news-pages"):
        if normalise(found["title"]) != normalise(item.get("title") or ""):
            yield f"{key} title: {found['title']!r} != {item.get('title')!r}"
        if {normalise(a) for a in found["authors"]} != {normalise(a) for a in _listish(item.get("authors"))}:
            yield f"{key} authors: {found['authors']!r} != {_listish(item.get('authors'))!r}"
        if found["published"] != _utc_day(item.get("published_at")):
            yield f"{key} date: {found['published']!r} != {item.get('published_at')!r}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--show-worst", type=int, default=0, help="list the N worst pages of each set")
    parser.add_argument("--mismatches", action="store_true", help="list metadata mismatches on news-pages")
    args = parser.parse_args(argv)
    results = {}
    for name, evaluate in (("article-extraction", evaluate_article_extraction), ("news-pages", evaluate_news_pages)):
        scores = evaluate(args.data)
        results[name] = scores.summary()
        print(f"{name:<20} " + "  ".join(f"{k} {v}" for k, v in results[name].items()))
        for score, key in sorted(scores.worst)[: args.show_worst]:
            print(f"    {score:.3f}  {key}")
    if args.mismatches:
        for line in metadata_mismatches(args.data):
            print("    " + line)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
