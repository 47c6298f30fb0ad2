"""What Kibana would ask Elasticsearch for each saved visualisation: its aggregations as a query."""

from __future__ import annotations

import json
from typing import Any

from deploy.kibana.build import MAP_FIELD, objects

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
