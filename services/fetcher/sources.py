"""The sources file: what to poll and how often, validated into frozen objects at start-up.

    defaults:            # optional, applied to every source
      interval: 300      # seconds between polls, adapted within [min_interval, max_interval]
    sources:
      - name: korea-times
        kind: feed       # feed | sitemap | page | path
        url: https://www.koreatimes.co.kr/www/rss/nation.xml
        language: en
      - name: inbox
        kind: path
        path: /var/lib/newsflow/inbox

YAML or TOML (by extension); the path comes from ``NEWSFLOW_SOURCES``.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from schemas.codec import describe_validation_error


class SourceKind(StrEnum):
    FEED = "feed"
    SITEMAP = "sitemap"
    PAGE = "page"
    PATH = "path"


class Source(BaseModel):
    """One source and its polling settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200, pattern=r"^[\w.-]+$")
    kind: SourceKind
    url: str | None = None
    path: Path | None = None
    enabled: bool = True
    language: str | None = Field(default=None, max_length=16)
    interval: float = Field(default=300.0, gt=0)
    min_interval: float = Field(default=60.0, gt=0)
    max_interval: float = Field(default=6 * 3600.0, gt=0)
    fetch_articles: bool = True  # for feeds and sitemaps: fetch each article page, not just the summary

    @model_validator(mode="after")
    def _where(self) -> Source:
        if self.kind is SourceKind.PATH and self.path is None:
            raise ValueError("a path source needs 'path'")
        if self.kind is not SourceKind.PATH and not (self.url and self.url.startswith(("http://", "https://"))):
            raise ValueError(f"a {self.kind} source needs an http(s) 'url'")
        if not self.min_interval <= self.interval <= self.max_interval:
            raise ValueError("interval must lie between min_interval and max_interval")
        return self


class SourcesError(ValueError):
    """The sources file cannot be used; the message names the file and what is wrong."""


def load_sources(path: Path) -> list[Source]:
    """Every source in the file, defaults applied; names must be unique."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SourcesError(f"cannot read sources file {path}: {error.strerror}") from None
    try:
        document: Any = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        raise SourcesError(f"{path} is not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise SourcesError(f"{path}: expected a 'sources' list")
    defaults = document.get("defaults") or {}
    sources = []
    for index, entry in enumerate(document["sources"]):
        try:
            source = Source.model_validate({**defaults, **(entry or {})})
        except ValidationError as error:
            name = entry.get("name", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
            raise SourcesError(f"{path}: source {name}: {describe_validation_error('Source', error)}") from None
        if source.path is not None and not source.path.is_absolute():
            # Relative to the sources file, so the file works from any working directory.
            source = source.model_copy(update={"path": path.parent / source.path})
        sources.append(source)
    names = [source.name for source in sources]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise SourcesError(f"{path}: source names must be unique: {', '.join(duplicated)}")
    return sources
