"""What Kibana would ask Elasticsearch for each saved visualisation: its aggregations as a query."""

from __future__ import annotations

import json
from typing import Any

from deploy.kibana.build import MAP_FIELD, STORIES_QUERY, STORIES_SORT, objects

# Field types Elasticsearch can aggregate on (text cannot).
AGGREGATABLE = {"keyword", "date", "long", "integer", "float", "double", "boolean", "geo_point"}


def visualisations() -> dict[str, dict[str, Any]]:
    return {
        item["id"]: json.loads(item["attributes"]["visState"]) for item in objects() if item["type"] == "visualization"
    }


def fields_of(vis_state: dict[str, Any]) -> list[str]:
    return [agg["params"]["field"] for agg in vis_state["aggs"] if "field" in agg.get("params", {})]


def aggregations_of(vis_state: dict[str, Any]) -> dict[str, Any]:
    """The bucket aggregations nested in their order, as Kibana's courier builds them."""
    root: dict[str, Any] = {}
    level = root
    for agg in vis_state["aggs"]:
        params = agg["params"]
        if agg["type"] == "terms":
            body = {"terms": {"field": params["field"], "size": params["size"]}}
        elif agg["type"] == "date_histogram":
            body = {"date_histogram": {"field": params["field"], "calendar_interval": "month", "min_doc_count": 1}}
        else:
            continue  # metrics: count is every bucket's doc_count
        level[agg["id"]] = body
        level = body.setdefault("aggs", {})
    return root


def map_aggregation() -> dict[str, Any]:
    return {"grid": {"geotile_grid": {"field": MAP_FIELD, "precision": 3}}}


def top_stories_query() -> dict[str, Any]:
    """The top-stories table's request: its KQL filter (``not merged_into:*``) and its sort."""
    assert STORIES_QUERY == "not merged_into:*", "translate the new filter here"
    return {
        "query": {"bool": {"must_not": [{"exists": {"field": "merged_into"}}]}},
        "sort": [{field: order} for field, order in STORIES_SORT],
        "size": 20,
    }
