"""Webhooks: each match on ``news.alerts`` POSTed to its alert's webhook, by a consumer of its own.

The indexers share ``news.alerts`` in one consumer group (``<indexer group>-webhooks``), so each match is
delivered by exactly one of them, after it was published and whatever indexing is doing. A delivery is
tried ``WEBHOOK_ATTEMPTS`` times with a growing pause; one that still fails, or whose address the webhook
policy refuses, becomes a dead letter of stage ``alert`` (replaying it delivers it again). A match older
than ``MAX_AGE`` when read (a new group reading the topic's past) is not delivered, unless it is a replayed
dead letter: a webhook is for now.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata

from schemas import AlertMatch, DeadLetter, InvalidMessage, Stage, dead_letter, decode, encode
from schemas.codec import attempt_of
from services.fetcher.http import AddressPolicy, FetchError
from services.indexer.alerts import list_alerts
from services.indexer.settings import IndexerSettings

log = logging.getLogger(__name__)

WEBHOOK_ATTEMPTS = 3
MAX_AGE = timedelta(hours=1)
ALERTS_FRESH_S = 5.0  # how long the list of alerts (and their webhooks) is reused


class WebhookFailed(RuntimeError):
    """A webhook that refused or never answered; the message says how."""


def post_match(url: str, match: AlertMatch, policy: AddressPolicy, *, pause_s: float = 1.0) -> None:
    """POST the match, ``WEBHOOK_ATTEMPTS`` times at most; WebhookFailed when every attempt failed."""
    try:
        policy.check(url)  # checked again: DNS may point elsewhere now than when the alert was stored
    except FetchError as error:
        raise WebhookFailed(f"webhook {error.reason}") from None
    reason = ""
    for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
        try:
            response = httpx.post(url, content=encode(match), headers={"Content-Type": "application/json"}, timeout=10)
            if response.status_code < 400:
                return
            reason = f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            reason = f"{type(error).__name__}: {error}"
        if attempt < WEBHOOK_ATTEMPTS:
            time.sleep(pause_s)
            pause_s *= 2
    raise WebhookFailed(f"webhook {url} failed {WEBHOOK_ATTEMPTS} times, last: {reason}")


class WebhookSender:
    """Consumes ``news.alerts`` and delivers each match whose alert has a webhook."""

    def __init__(
        self, settings: IndexerSettings, client: Elasticsearch, dead_letters: Callable[[DeadLetter], None]
    ) -> None:
        self.settings = settings
        self.client = client
        self.dead_letters = dead_letters
        self.policy = AddressPolicy(settings.webhook_networks)
        self._webhooks: dict[str, str | None] = {}
        self._read_at = 0.0
        self.delivered = 0
        self.retry_pause_s = 1.0

    def run_forever(self, stopping: threading.Event) -> None:
        consumer = KafkaConsumer(
            self.settings.topic_alerts,
            **self.settings.kafka_client_options(),
            **self.settings.group_member_options(),
            group_id=f"{self.settings.indexer_group}-webhooks",
            client_id="newsflow-webhooks",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=5,  # each may take WEBHOOK_ATTEMPTS slow tries: well within the poll interval
        )
        try:
            while not stopping.is_set():
                try:
                    for batch in consumer.poll(timeout_ms=500).values():
                        for record in batch:
                            self.deliver(record)
                            consumer.commit({TopicPartition(record.topic, record.partition):
                                             OffsetAndMetadata(record.offset + 1, "", -1)})  # fmt: skip
                except Exception as error:  # Elasticsearch or Kafka away, a rebalance: try again shortly
                    log.warning("webhook deliveries paused: %s: %s", type(error).__name__, error)
                    stopping.wait(5)
        finally:
            consumer.close(autocommit=False)

    def deliver(self, record: ConsumerRecord) -> None:
        """Deliver one match, or dead-letter it with the reason; never raises."""
        try:
            match = decode(AlertMatch, record.value)
        except InvalidMessage as error:
            log.warning("unreadable match at %s:%d: %s", record.topic, record.offset, error.reason)
            return
        url = self._webhook_of(match.alert)
        if not url:
            return
        if datetime.now(UTC) - match.matched_at > MAX_AGE and attempt_of(record.headers) == 1:
            log.info("match %s:%s is from %s: too old for its webhook", match.alert, match.article_id, match.matched_at)
            return
        try:
            post_match(url, match, self.policy, pause_s=self.retry_pause_s)
        except WebhookFailed as error:
            self.dead_letters(self._letter(record, error))
            return
        self.delivered += 1

    def _webhook_of(self, alert: str) -> str | None:
        if alert not in self._webhooks or time.monotonic() - self._read_at > ALERTS_FRESH_S:
            stored = list_alerts(self.client, self.settings.es_alerts_index)
            self._webhooks = {each["name"]: each.get("webhook") for each in stored}
            self._read_at = time.monotonic()
        return self._webhooks.get(alert)

    def _letter(self, record: ConsumerRecord, error: Exception) -> DeadLetter:
        context: dict[str, Any] = {
            "source_topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key.decode("utf-8", "replace") if record.key else None,
            "attempts": attempt_of(record.headers),
        }
        return dead_letter(Stage.ALERT, record.value, error, **context)
