"""The hand-labelled entity sets are what their guide says: one line per listed article, in its order, and
every label a surface form the article writes (so a set cannot drift from the articles it measures)."""

from __future__ import annotations

import json

import pytest

from tests.eval.extraction import DEFAULT_DATA
from tests.eval.modern_entities import SETS, TYPES

ARTICLES = DEFAULT_DATA / "same-story" / "articles.jsonl"
needs_data = pytest.mark.skipif(not ARTICLES.is_file(), reason="../shared/data/same-story is not beside the repository")


@needs_data
@pytest.mark.parametrize("name", sorted(SETS))
def test_each_label_is_written_in_its_article_and_the_sets_follow_their_lists(name):
    articles = {row["doc_id"]: row for row in map(json.loads, ARTICLES.open())}
    listed = [line.split("\t")[0] for line in (SETS[name] / "articles.txt").open() if not line.startswith("#")]
    labels = [json.loads(line) for line in (SETS[name] / "labels.jsonl").open()]
    assert [label["doc_id"] for label in labels] == listed
    for label in labels:
        article = articles[label["doc_id"]]
        written = f"{article['title']}\n{article['text']}".casefold()
        for key in TYPES:
            missing = [form for form in label[key] if form.casefold() not in written]
            assert not missing, (name, label["doc_id"], key, missing)


def test_no_article_is_in_two_sets():
    listed = [
        line.split("\t")[0]
        for path in SETS.values()
        for line in (path / "articles.txt").open()
        if not line.startswith("#")
    ]
    assert len(listed) == len(set(listed)) == 44 + 3 * 30 + 25
