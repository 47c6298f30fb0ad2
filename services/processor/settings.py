"""Processor settings: ``NEWSFLOW_*`` variables for Kafka and the faust worker."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import Field

from services.settings import KafkaSettings


class ProcessorSettings(KafkaSettings):
    # The faust application id is also the consumer group of both agents.
    processor_app_id: str = "newsflow-processor"
    processor_data_dir: Path = Field(default_factory=lambda: Path(tempfile.gettempdir()) / "newsflow-processor")
    processor_web_enabled: bool = False
    processor_web_port: int = 6066
