"""What a saved search asks Elasticsearch: only the new window, and every criterion the alert names."""

from __future__ import annotations

from services.indexer.alerts import match_query, naming_query


def test_a_saved_search_looks_only_at_what_was_indexed_since_its_last_run():
    query = match_query({"query": "flood AND rescue"}, "2026-11-23T10:00:00+00:00", "2026-11-23T10:05:00+00:00")
    window, text = query["bool"]["filter"]
    assert window == {"range": {"indexed_at": {"gt": "2026-11-23T10:00:00+00:00", "lte": "2026-11-23T10:05:00+00:00"}}}
    assert text["query_string"]["query"] == "flood AND rescue"


def test_topic_and_entity_narrow_the_search_and_the_entity_is_named_as_subscribe_names_it():
    query = match_query({"topic": "medtop:16000000", "entity": "SNSC"}, "a", "b")
    _window, topic, entity = query["bool"]["filter"]
    assert topic == {"term": {"topic_codes": "medtop:16000000"}}
    # What the clause matches is checked against Elasticsearch in tests/integration/test_entity_filter.py.
    assert entity == naming_query("SNSC")
    patterns = {clause["wildcard"]["persons"]["value"] for clause in entity["bool"]["should"][:4]}
    assert patterns == {"snsc", "snsc *", "* snsc", "* snsc *"}
