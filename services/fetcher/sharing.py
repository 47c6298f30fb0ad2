"""Several fetchers, one set of sources: each source is polled by exactly one of them.

The fetchers of a deployment form a consumer group over the compacted ``news.fetcher.sources`` topic,
where each source's poll state is kept under its name. A fetcher polls the sources whose state lives in the
partitions the group assigned it, so Kafka shares the sources out, moves a dead fetcher's share to the
others within the session timeout, and a fetcher that takes a partition over reads the state its
previous owner left there (validators, next poll time, failures) before it polls any of those sources.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaTimeoutError

from services.common.messaging import key_partition
from services.fetcher.schedule import PollState
from services.fetcher.settings import FetcherSettings

log = logging.getLogger(__name__)


def parse_state(name: str, value: bytes) -> PollState | None:
    """A saved poll state (unknown fields from other versions ignored); None when unreadable."""
    fields = {f.name for f in dataclasses.fields(PollState)}
    try:
        stored = json.loads(value)
        return PollState(**{key: stored[key] for key in stored if key in fields})
    except (ValueError, TypeError):
        log.warning("ignoring unreadable saved state of source %s", name)
        return None


# A bound on each offset lookup. Unbounded, a lookup made while the group rebalances (a fetcher joining) can
# wait for ever: the loop then never polls, so this fetcher never rejoins, and its sources go unpolled.
_LOOKUP_TIMEOUT_MS = 2000


class SourceShare(ConsumerRebalanceListener):
    """This fetcher's share of the sources, kept by the group; ``poll`` often, from one thread."""

    def __init__(self, settings: FetcherSettings) -> None:
        self.settings = settings
        self.consumer = KafkaConsumer(
            **settings.kafka_client_options(),
            **settings.group_member_options(),
            group_id=settings.fetcher_group,
            client_id="newsflow-fetcher-share",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.partitions = len(self.consumer.partitions_for_topic(settings.topic_sources) or ()) or 1
        self.owned: set[int] = set()
        self._catching_up: dict[TopicPartition, int] = {}  # partition → its end offset when it was assigned
        self._assigned: list[TopicPartition] = []  # assigned, end offsets not yet asked
        self.consumer.subscribe([settings.topic_sources], listener=self)

    def owns(self, source_name: str) -> bool:
        return key_partition(source_name.encode("utf-8"), self.partitions) in self.owned

    def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        revoked = list(revoked)
        self.owned -= {tp.partition for tp in revoked}
        for tp in revoked:
            self._catching_up.pop(tp, None)
        self._assigned = [tp for tp in self._assigned if tp not in revoked]

    def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        # Called on the client's I/O thread, which must not block: the end offsets are asked in poll().
        # Nothing is committed in this group, so a partition assigned is read from its beginning.
        assigned = list(assigned)
        self.consumer.resume(*assigned)
        self._assigned.extend(assigned)
        log.info("fetcher assigned source partitions %s", sorted(tp.partition for tp in assigned))

    def poll(self) -> dict[str, PollState]:
        """Stay in the group; the saved states of sources in partitions just taken over, once read whole.

        A partition's sources count as this fetcher's only after its states are read, so no source is
        polled on a stale state. Records past the assignment's end are this fetcher's own writes: skipped.
        """
        polled = self.consumer.poll(timeout_ms=50)  # with 0, kafka-python 3 rejoins the group on every call
        if self._assigned:
            assigned, self._assigned = self._assigned, []
            try:
                ends = self.consumer.end_offsets(assigned, timeout_ms=_LOOKUP_TIMEOUT_MS)
            except KafkaTimeoutError:
                self._assigned = [*assigned, *self._assigned]  # asked again on the next tick
                ends = {}
            for tp, end in ends.items():
                self._catching_up[tp] = end
        states: dict[str, PollState] = {}
        for tp, records in polled.items():
            end = self._catching_up.get(tp)
            if end is None:
                continue
            for record in records:
                if record.offset < end and record.key is not None and record.value is not None:
                    name = record.key.decode("utf-8")
                    if (state := parse_state(name, record.value)) is not None:
                        states[name] = state
        for tp, end in list(self._catching_up.items()):
            if tp not in self.consumer.assignment():
                continue
            position = self.consumer.position(tp, timeout_ms=_LOOKUP_TIMEOUT_MS)
            if position is not None and position >= end:
                del self._catching_up[tp]
                self._caught_up(tp)
        return states

    def _caught_up(self, tp: TopicPartition) -> None:
        """The partition's sources are this fetcher's now; what follows in it are its own writes, left unread."""
        self.owned.add(tp.partition)
        self.consumer.pause(tp)

    def close(self) -> None:
        self.consumer.close(autocommit=False)
