"""`newsflow search` answers in one line when Elasticsearch cannot, never with a traceback."""

from __future__ import annotations

from typing import Any

from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError

from services.indexer import elastic
from services.operations import cli


def _refusal(status: int, message: str) -> ApiError:
    meta = ApiResponseMeta(
        status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=NodeConfig("http", "es", 9200)
    )
    return ApiError(message, meta=meta, body={})


def _search_raising(error: Exception) -> Any:
    def search(*args: Any, **kwargs: Any) -> Any:
        raise error

    return search


def test_titles_and_urls_are_shown_without_control_sequences_or_passwords(monkeypatch, capsys):
    hit = {
        "_id": "a1",
        "_score": 1.0,
        "_source": {
            "title": "Red\x1b[31m alert\x07\x1b]0;pwned\x07 ends",
            "source": "evil\x1b[2J",
            "url": "https://reader:hunter2@example.org/a",
        },
        "highlight": {"body": ["a <em>match</em>\x9b1m here"]},
    }
    monkeypatch.setattr(elastic, "search", lambda *a, **k: {"hits": {"total": {"value": 1}, "hits": [hit]}})
    assert cli.main(["search", "alert"]) == 0
    out = capsys.readouterr().out
    assert "Red alert ends" in out and "a *match* here" in out and "evil" in out
    assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "hunter2" not in out and "https://reader:***@example.org/a" in out


def test_elasticsearch_url_passwords_are_masked_in_errors(monkeypatch, capsys):
    monkeypatch.setenv("NEWSFLOW_ES_URL", "http://elastic:hunter2@127.0.0.1:1")
    monkeypatch.setattr(elastic, "search", _search_raising(TransportConnectionError("refused")))
    assert cli.main(["search", "x"]) == 1
    err = capsys.readouterr().err
    assert "hunter2" not in err and "http://elastic:***@127.0.0.1:1" in err


def test_an_index_whose_shards_are_starting_is_reported_as_not_ready(monkeypatch, capsys):
    monkeypatch.setattr(elastic, "search", _search_raising(_refusal(503, "search_phase_execution_exception")))
    assert cli.main(["search", "Shamkhani"]) == 1
    error = capsys.readouterr().err.strip()
    assert "is not ready yet" in error and "\n" not in error


def test_any_other_refusal_is_one_line_with_its_status(monkeypatch, capsys):
    monkeypatch.setattr(elastic, "search", _search_raising(_refusal(400, "parsing_exception")))
    assert cli.main(["search", "a:b:c"]) == 1
    assert capsys.readouterr().err.strip() == "newsflow: search failed: parsing_exception (400)"
