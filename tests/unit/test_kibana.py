"""The Kibana saved objects are current, reference only aggregatable fields, and are imported as Kibana expects."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from deploy.kibana.build import MAP_FIELD, OUTPUT, STORIES_VIEW_ID, objects, render
from services.indexer.documents import load_index_definition
from services.indexer.kibana import KibanaError, import_saved_objects
from services.indexer.stories import DEFINITION_FILE as STORIES_DEFINITION
from tests.kibana_queries import AGGREGATABLE, fields_of, visualisations


def _field_type(path: str) -> str | None:
    properties: dict[str, Any] = load_index_definition()["mappings"]["properties"]
    *parents, leaf = path.split(".")
    for parent in parents:
        properties = properties.get(parent, {}).get("properties", {})
    return properties.get(leaf, {}).get("type")


def test_the_ndjson_file_is_generated_from_the_builder():
    assert OUTPUT.read_text(encoding="utf-8") == render(), "run: python -m deploy.kibana.build"


def test_every_field_a_visualisation_aggregates_on_is_mapped_and_aggregatable():
    for vis_id, vis_state in visualisations().items():
        for field in fields_of(vis_state):
            assert _field_type(field) in AGGREGATABLE, f"{vis_id}: {field} is {_field_type(field)}"
    assert _field_type(MAP_FIELD) == "geo_point"
    assert _field_type("timestamp") == "date"


def test_the_top_stories_table_shows_and_sorts_by_fields_of_the_stories_mapping():
    properties = json.loads(STORIES_DEFINITION.read_text())["mappings"]["properties"]
    (search,) = [item for item in objects() if item["type"] == "search"]
    assert search["references"][0]["id"] == STORIES_VIEW_ID
    assert set(search["attributes"]["columns"]) <= properties.keys()
    for field, _order in search["attributes"]["sort"]:
        assert properties[field]["type"] in AGGREGATABLE
    (view,) = [item for item in objects() if item["id"] == STORIES_VIEW_ID]
    assert properties[view["attributes"]["timeFieldName"]]["type"] == "date"


def test_the_dashboard_holds_every_visualisation_the_map_and_the_stories():
    (dashboard,) = [item for item in objects() if item["type"] == "dashboard"]
    panels = {reference["id"] for reference in dashboard["references"]}
    assert panels == {item["id"] for item in objects() if item["type"] in {"visualization", "map", "search"}}
    assert len(json.loads(dashboard["attributes"]["panelsJSON"])) == len(panels)


class _Kibana(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []
    answer: ClassVar[dict[str, Any]] = {"success": True, "successCount": 9}

    def log_message(self, *_args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), body))
        payload = json.dumps(self.answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def kibana() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Kibana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_import_posts_the_objects_with_the_deployments_alias(kibana):
    _Kibana.received.clear()
    answer = import_saved_objects(kibana, "press-news", stories_alias="press-stories")
    assert answer["successCount"] == 9
    ((path, headers, body),) = _Kibana.received
    assert path == "/api/saved_objects/_import?overwrite=true"
    assert headers["kbn-xsrf"] and "multipart/form-data" in headers["Content-Type"]
    assert b'"title": "press-news"' in body and b'"type": "dashboard"' in body
    assert b'"title": "press-stories"' in body, "the stories view points at the deployment's stories alias"


def test_a_partial_import_is_an_error_naming_what_was_refused(kibana):
    refused = {"id": "newsflow-places-map", "type": "map", "error": {"type": "unsupported_type"}}
    _Kibana.answer = {"success": False, "successCount": 8, "errors": [refused]}
    try:
        with pytest.raises(KibanaError, match="map newsflow-places-map: unsupported_type"):
            import_saved_objects(kibana, "news")
    finally:
        _Kibana.answer = {"success": True, "successCount": 9}
