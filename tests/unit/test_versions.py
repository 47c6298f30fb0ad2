"""An article republished with changed text keeps its earlier version and, in short, what changed."""

from __future__ import annotations

from datetime import timedelta

from services.indexer.documents import Revision, to_document
from services.indexer.versions import changes, replacements, sentences, version_document
from tests.support import NOW, enriched_article


def test_text_is_split_into_sentences_at_stops_and_line_breaks():
    text = 'The toll rose to 12. "We are searching," he said. Rescue goes on!\nA second paragraph'
    assert sentences(text) == ["The toll rose to 12.", '"We are searching," he said.', "Rescue goes on!",
                               "A second paragraph"]  # fmt: skip
    assert sentences("U.S. officials met. 3 people died.") == ["U.S. officials met.", "3 people died."]


def test_changes_are_the_sentences_added_and_removed_in_text_order():
    old = "A quake struck. Two people died. Roads are closed."
    new = "A quake struck. Twelve people died. Roads are closed. Aid is on its way."
    assert changes(old, new) == (["Twelve people died.", "Aid is on its way."], ["Two people died."])
    assert changes(old, old) == ([], [])


def test_a_version_document_keeps_the_replaced_text_and_when_it_was_seen():
    article = enriched_article(1, title="Quake toll rises").model_copy(
        update={"body": "A quake struck. Twelve people died.", "fetched_at": NOW + timedelta(hours=2)}
    )
    previous = {"title": "Quake strikes", "body": "A quake struck. Two people died.", "content_hash": "h1",
                "fetched_at": NOW.isoformat(), "url": article.url}  # fmt: skip
    document = version_document(previous, article, 1)
    assert (document["title"], document["new_title"]) == ("Quake strikes", "Quake toll rises")
    assert document["sentences_added"] == ["Twelve people died."]
    assert document["sentences_removed"] == ["Two people died."]
    assert (document["seen_at"], document["replaced_at"]) == (NOW.isoformat(), article.fetched_at.isoformat())
    assert document["body"] == previous["body"], "the earlier text stays searchable"


def test_the_article_document_counts_its_revisions():
    article = enriched_article(1)
    assert to_document(article)["revisions"] == 0 and to_document(article)["revised_at"] is None
    revised = to_document(article, revision=Revision(2, NOW.isoformat()))
    assert (revised["revisions"], revised["revised_at"]) == (2, NOW.isoformat())


def test_only_the_newest_text_of_an_article_in_a_batch_replaces_the_indexed_one():
    first = enriched_article(1)
    indexed = {first.id: {"content_hash": first.content_hash, "enriched_at": first.enriched_at.isoformat(),
                          "revisions": 1, "revised_at": NOW.isoformat()}}  # fmt: skip
    later = NOW + timedelta(hours=1)
    revised = first.model_copy(update={"content_hash": "e" * 64, "enriched_at": later, "fetched_at": later})
    kept, changed = replacements([revised, first, revised], indexed)
    assert [article.content_hash for article in changed] == ["e" * 64], "the replays add no version"
    assert kept == {first.id: Revision(1, NOW.isoformat())}

    again = revised.model_copy(update={"content_hash": "f" * 64, "enriched_at": later + timedelta(hours=1)})
    assert [article.content_hash for article in replacements([again, revised], indexed)[1]] == ["f" * 64]
    assert replacements([first], indexed)[1] == [], "the indexed text itself is no change"
    assert replacements([revised], {}) == ({}, []), "a new article has no earlier version"
