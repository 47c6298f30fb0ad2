"""`newsflow search` answers in one line when Elasticsearch cannot, never with a traceback."""

from __future__ import annotations

from typing import Any

from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from services.indexer import elastic
from services.operations import cli


def _refusal(status: int, message: str) -> ApiError:
    meta = ApiResponseMeta(
        status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0, node=NodeConfig("http", "es", 9200)
    )
    return ApiError(message, meta=meta, body={})


def _search_raising(error: ApiError) -> Any:
    def search(*args: Any, **kwargs: Any) -> Any:
        raise error

    return search


def test_an_index_whose_shards_are_starting_is_reported_as_not_ready(monkeypatch, capsys):
    monkeypatch.setattr(elastic, "search", _search_raising(_refusal(503, "search_phase_execution_exception")))
    assert cli.main(["search", "Shamkhani"]) == 1
    error = capsys.readouterr().err.strip()
    assert "is not ready yet" in error and "\n" not in error


def test_any_other_refusal_is_one_line_with_its_status(monkeypatch, capsys):
    monkeypatch.setattr(elastic, "search", _search_raising(_refusal(400, "parsing_exception")))
    assert cli.main(["search", "a:b:c"]) == 1
    assert capsys.readouterr().err.strip() == "newsflow: search failed: parsing_exception (400)"
