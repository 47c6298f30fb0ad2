"""Writes ``deploy/kibana/newsflow.ndjson``: the data views (articles, stories), visualisations, map, top-stories
table and dashboard of newsflow.

    python -m deploy.kibana.build

Saved objects nest JSON in strings (``visState``, ``panelsJSON``…); writing them by hand invites typos, so
they are generated from the plain structures below, and a test checks the file is current. Only
aggregation-based visualisations and a Maps layer on fields of the index mapping: no runtime fields, no
scripts, so they work on a node without painless.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("newsflow.ndjson")
DATA_VIEW_ID = "newsflow-news"
DATA_VIEW_TITLE = "news"  # the alias; `newsflow kibana import` puts NEWSFLOW_ES_ALIAS here
TIME_FIELD = "timestamp"  # publication time, else fetch time: every article has one
INDEX_REF = "kibanaSavedObjectMeta.searchSourceJSON.index"


def _count() -> dict[str, Any]:
    return {"id": "1", "enabled": True, "type": "count", "schema": "metric", "params": {}}


def _terms(agg_id: str, field: str, size: int, schema: str = "segment") -> dict[str, Any]:
    return {
        "id": agg_id,
        "enabled": True,
        "type": "terms",
        "schema": schema,
        "params": {"field": field, "size": size, "order": "desc", "orderBy": "1", "otherBucket": False},
    }


# (id, title, visualisation type, params, aggregations)
VISUALISATIONS: list[tuple[str, str, str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "newsflow-articles-over-time-by-topic",
        "Articles over time by topic",
        "histogram",
        {"type": "histogram", "addLegend": True, "legendPosition": "right", "addTooltip": True},
        [
            _count(),
            {
                "id": "2",
                "enabled": True,
                "type": "date_histogram",
                "schema": "segment",
                "params": {"field": TIME_FIELD, "interval": "auto", "min_doc_count": 1, "extended_bounds": {}},
            },
            _terms("3", "topic_labels", 10, schema="group"),
        ],
    ),
    ("newsflow-top-persons", "Top persons", "table", {"perPage": 20}, [_count(), _terms("2", "persons", 20, "bucket")]),
    (
        "newsflow-top-organizations",
        "Top organisations",
        "table",
        {"perPage": 20},
        [_count(), _terms("2", "organizations", 20, "bucket")],
    ),
    ("newsflow-top-places", "Top places", "table", {"perPage": 20}, [_count(), _terms("2", "locations", 20, "bucket")]),
    (
        "newsflow-top-sources",
        "Top sources",
        "pie",
        {"type": "pie", "addLegend": True, "isDonut": True},
        [_count(), _terms("2", "source", 15)],
    ),
    (
        "newsflow-key-phrases",
        "Key phrases",
        "tagcloud",
        {"scale": "linear", "orientation": "single", "minFontSize": 14, "maxFontSize": 48},
        [_count(), _terms("2", "keyphrases", 50)],
    ),
]
MAP_ID = "newsflow-places-map"
MAP_FIELD = "places"
# Stories: their own data view over the stories alias, and a table of the largest, newest first.
STORIES_VIEW_ID = "newsflow-stories"
STORIES_VIEW_TITLE = "news-stories"  # `newsflow kibana import` puts NEWSFLOW_ES_STORIES_ALIAS here
STORIES_TIME_FIELD = "last_seen"
STORIES_SEARCH_ID = "newsflow-top-stories"
STORIES_COLUMNS = ["headline", "article_count", "source_count", "first_seen", "persons", "locations", "topic_labels"]
STORIES_SORT = [["article_count", "desc"], ["last_seen", "desc"]]
STORIES_QUERY = "not merged_into:*"  # a merged story is shown through the one it went into


def _search_source() -> str:
    return json.dumps({"query": {"query": "", "language": "kuery"}, "filter": [], "indexRefName": INDEX_REF})


def objects() -> list[dict[str, Any]]:
    built: list[dict[str, Any]] = [
        {
            "id": DATA_VIEW_ID,
            "type": "index-pattern",
            "attributes": {"title": DATA_VIEW_TITLE, "name": "newsflow articles", "timeFieldName": TIME_FIELD},
            "references": [],
        }
    ]
    for vis_id, title, vis_type, params, aggs in VISUALISATIONS:
        built.append(
            {
                "id": vis_id,
                "type": "visualization",
                "attributes": {
                    "title": title,
                    "description": "",
                    "uiStateJSON": "{}",
                    "version": 1,
                    "visState": json.dumps({"title": title, "type": vis_type, "params": params, "aggs": aggs}),
                    "kibanaSavedObjectMeta": {"searchSourceJSON": _search_source()},
                },
                "references": [{"name": INDEX_REF, "type": "index-pattern", "id": DATA_VIEW_ID}],
            }
        )
    built.append(
        {
            "id": STORIES_VIEW_ID,
            "type": "index-pattern",
            "attributes": {
                "title": STORIES_VIEW_TITLE,
                "name": "newsflow stories",
                "timeFieldName": STORIES_TIME_FIELD,
            },
            "references": [],
        }
    )
    built.append(
        {
            "id": STORIES_SEARCH_ID,
            "type": "search",
            "attributes": {
                "title": "Top stories",
                "description": "Each event once: its articles and outlets, first and last seen, who and where.",
                "columns": STORIES_COLUMNS,
                "sort": STORIES_SORT,
                "kibanaSavedObjectMeta": {
                    "searchSourceJSON": json.dumps(
                        {
                            "query": {"query": STORIES_QUERY, "language": "kuery"},
                            "filter": [],
                            "indexRefName": INDEX_REF,
                        }
                    )
                },
            },
            "references": [{"name": INDEX_REF, "type": "index-pattern", "id": STORIES_VIEW_ID}],
        }
    )
    layers = [
        {"id": "basemap", "type": "EMS_VECTOR_TILE", "sourceDescriptor": {"type": "EMS_TMS", "isAutoSelect": True}},
        {
            "id": "places",
            "label": "Places named in articles",
            "type": "GEOJSON_VECTOR",
            "sourceDescriptor": {
                "type": "ES_GEO_GRID",
                "id": "places-source",
                "geoField": MAP_FIELD,
                "requestType": "point",
                "resolution": "COARSE",
                "metrics": [{"type": "count"}],
                "indexPatternRefName": "layer_1_source_index_pattern",
            },
            "visible": True,
        },
    ]
    built.append(
        {
            "id": MAP_ID,
            "type": "map",
            "attributes": {
                "title": "Places named in articles",
                "description": "",
                "layerListJSON": json.dumps(layers),
                "mapStateJSON": json.dumps({"zoom": 1.5, "center": {"lon": 30, "lat": 25}}),
                "uiStateJSON": "{}",
            },
            "references": [{"name": "layer_1_source_index_pattern", "type": "index-pattern", "id": DATA_VIEW_ID}],
        }
    )
    panels, references = [], []
    members = [(vis_id, "visualization") for vis_id, *_ in VISUALISATIONS] + [(MAP_ID, "map")]
    members.append((STORIES_SEARCH_ID, "search"))
    for index, (member, member_type) in enumerate(members):
        panels.append(
            {
                "panelIndex": str(index + 1),
                "gridData": {"x": (index % 2) * 24, "y": (index // 2) * 15, "w": 24, "h": 15, "i": str(index + 1)},
                "embeddableConfig": {},
                "panelRefName": f"panel_{index}",
                "type": member_type,
            }
        )
        references.append({"name": f"panel_{index}", "type": member_type, "id": member})
    built.append(
        {
            "id": "newsflow-dashboard",
            "type": "dashboard",
            "attributes": {
                "title": "newsflow — news at a glance",
                "description": "What the pipeline indexed: topics over time, who and where, sources, key phrases, "
                "top stories.",
                "panelsJSON": json.dumps(panels),
                "optionsJSON": json.dumps({"useMargins": True, "hidePanelTitles": False}),
                "timeRestore": False,
                "version": 1,
                "kibanaSavedObjectMeta": {
                    "searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})
                },
            },
            "references": references,
        }
    )
    return built


def render() -> str:
    return "".join(json.dumps(item, sort_keys=True) + "\n" for item in objects())


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(OUTPUT)


if __name__ == "__main__":
    main()
