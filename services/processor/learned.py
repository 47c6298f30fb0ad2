"""The clean stage's learned state: per-source boilerplate and duplicate signatures, and the cleaner over them.

Each clean worker holds it whole, restored from and kept in step through compacted changelogs
(``replicated.py`` says why not faust's GlobalTable).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from services.processor.boilerplate import BoilerplateLearner
from services.processor.clean import Cleaner
from services.processor.duplicates import DuplicateIndex
from services.processor.replicated import ChangelogFollower, ReplicatedMap, SendChange
from services.processor.settings import ProcessorSettings

log = logging.getLogger(__name__)


class LearnedState:
    """Boilerplate and signatures as replicated maps, the duplicate index over the signatures, the cleaner."""

    def __init__(self, settings: ProcessorSettings) -> None:
        self.boilerplate = ReplicatedMap(settings.changelog_topic("boilerplate"))
        # Signatures another worker wrote reach the duplicate index through this map's changes.
        self.signatures = ReplicatedMap(settings.changelog_topic("signatures"), on_change=self._signature_changed)
        self.duplicates = DuplicateIndex(self.signatures, settings.duplicate_settings())
        self.cleaner = Cleaner(BoilerplateLearner(self.boilerplate, settings.boilerplate_settings()), self.duplicates)
        self.follower = ChangelogFollower(settings.kafka_client_options(), [self.boilerplate, self.signatures])

    def _signature_changed(self, article_id: str, entry: Any) -> None:
        self.duplicates.remember(article_id, entry)

    @property
    def is_ready(self) -> bool:
        return self.follower.is_ready

    async def ready(self) -> None:
        """Wait until every map holds what the changelogs held at start-up."""
        await self.follower.ready()

    def catch_up(self) -> None:
        """Apply what other workers learned since the last message (the event loop's thread only)."""
        self.follower.apply_changes()

    async def publish(self, send: SendChange) -> None:
        """Send this worker's new learning to the changelogs, before the article it came from."""
        await self.follower.send_writes(send)

    async def forget_old_articles(self, send: SendChange) -> int:
        """Drop signatures older than the duplicate window, here and in the changelog."""
        await self.ready()
        self.catch_up()
        forgotten = self.duplicates.expire(time.time())
        await self.publish(send)
        if forgotten:
            log.info("forgot %d articles older than the duplicate window", forgotten)
        return forgotten

    def stop(self) -> None:
        self.follower.stop()
