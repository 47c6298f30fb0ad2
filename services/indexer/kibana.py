"""Kibana saved objects: load ``deploy/kibana/newsflow.ndjson`` through Kibana's saved-objects import API.

The data views in the file are titled ``news`` and ``news-stories``; the import retitles them to the aliases
this deployment uses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from deploy.kibana.build import STORIES_VIEW_ID, STORIES_VIEW_TITLE

SAVED_OBJECTS = Path(__file__).resolve().parents[2] / "deploy" / "kibana" / "newsflow.ndjson"


class KibanaError(RuntimeError):
    """Kibana refused or could not be reached; the message says which objects and why."""


def saved_objects(alias: str, path: Path = SAVED_OBJECTS, *, stories_alias: str = STORIES_VIEW_TITLE) -> str:
    """The NDJSON to import, its data views pointed at ``alias`` (articles) and ``stories_alias``."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["type"] == "index-pattern":
            item["attributes"]["title"] = stories_alias if item["id"] == STORIES_VIEW_ID else alias
        lines.append(json.dumps(item, sort_keys=True))
    return "\n".join(lines) + "\n"


def import_saved_objects(
    url: str,
    alias: str,
    *,
    stories_alias: str = STORIES_VIEW_TITLE,
    api_key: str | None = None,
    auth: tuple[str, str] | None = None,
    timeout_s: float = 60,
) -> dict[str, Any]:
    """POST the objects to ``<url>/api/saved_objects/_import?overwrite=true``; returns Kibana's answer."""
    headers = {"kbn-xsrf": "newsflow"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    files = {
        "file": (
            "newsflow.ndjson",
            saved_objects(alias, stories_alias=stories_alias).encode("utf-8"),
            "application/ndjson",
        )
    }
    try:
        response = httpx.post(
            f"{url.rstrip('/')}/api/saved_objects/_import",
            params={"overwrite": "true"},
            headers=headers,
            files=files,
            auth=auth,
            timeout=timeout_s,
        )
    except httpx.HTTPError as error:
        raise KibanaError(f"cannot reach Kibana at {url}: {error}") from None
    if response.status_code >= 400:
        raise KibanaError(f"Kibana at {url} answered HTTP {response.status_code}: {response.text[:500]}")
    answer: dict[str, Any] = response.json()
    if not answer.get("success"):
        problems = "; ".join(
            f"{error.get('type')} {error.get('id')}: {error.get('error', {}).get('type', '')}"
            for error in answer.get("errors", [])
        )
        raise KibanaError(f"Kibana imported {answer.get('successCount', 0)} objects and refused others: {problems}")
    return answer
