"""Webhooks are delivered off the indexing path: retried, checked against the address policy, and a match
that cannot be delivered becomes a dead letter that counts its attempts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest

from schemas import AlertMatch, DeadLetter, Stage, encode
from schemas.codec import attempts_header
from services.fetcher.http import AddressPolicy
from services.indexer.settings import IndexerSettings
from services.indexer.webhooks import WEBHOOK_ATTEMPTS, WebhookFailed, WebhookSender, post_match

LOOPBACK = AddressPolicy(["127.0.0.0/8"])
MATCH = AlertMatch(alert="floods", article_id="a" * 32, url="https://wire.example/1", indexed_at=datetime.now(UTC))


class _Endpoint(BaseHTTPRequestHandler):
    answers: list[int] = []  # noqa: RUF012 (the statuses still to give, shared by the test)
    received: list[bytes] = []  # noqa: RUF012

    def log_message(self, *_args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.answers.pop(0) if self.answers else 204)
        self.end_headers()


@pytest.fixture
def endpoint() -> Iterator[str]:
    _Endpoint.answers, _Endpoint.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_webhook_that_fails_then_answers_gets_the_match_once_it_answers(endpoint: str):
    _Endpoint.answers = [500, 503]
    post_match(endpoint, MATCH, LOOPBACK, pause_s=0.01)
    assert len(_Endpoint.received) == 3 and AlertMatch.model_validate_json(_Endpoint.received[-1]) == MATCH


def test_a_webhook_that_keeps_failing_is_given_up_after_its_attempts_with_the_last_reason(endpoint: str):
    _Endpoint.answers = [500] * WEBHOOK_ATTEMPTS
    with pytest.raises(WebhookFailed, match=f"failed {WEBHOOK_ATTEMPTS} times, last: HTTP 500"):
        post_match(endpoint, MATCH, LOOPBACK, pause_s=0.01)


def test_a_webhook_on_an_address_the_policy_refuses_is_never_posted(endpoint: str):
    with pytest.raises(WebhookFailed, match=r"non-public address 127\.0\.0\.1"):
        post_match(endpoint, MATCH, AddressPolicy(), pause_s=0.01)
    assert _Endpoint.received == []


def _sender(webhook: str, letters: list[DeadLetter]) -> WebhookSender:
    hits = [{"_source": {"name": "floods", "webhook": webhook}}, {"_source": {"name": "quiet", "webhook": None}}]
    client = SimpleNamespace(search=lambda **_kwargs: {"hits": {"hits": hits}})
    settings = IndexerSettings(alerts_webhook_allow_networks="127.0.0.0/8")
    sender = WebhookSender(settings, client, letters.append)  # type: ignore[arg-type]
    sender.retry_pause_s = 0.01
    return sender


def _record(match: AlertMatch, headers: list[tuple[str, bytes]] | None = None) -> Any:
    return SimpleNamespace(topic="news.alerts", partition=1, offset=41, key=b"floods:aaaa", value=encode(match),
                           headers=headers or [])  # fmt: skip


def test_an_undeliverable_match_is_a_dead_letter_that_counts_the_replays_before_it(endpoint: str):
    letters: list[DeadLetter] = []
    _Endpoint.answers = [500] * WEBHOOK_ATTEMPTS
    _sender(endpoint, letters).deliver(_record(MATCH, attempts_header(1)))
    (letter,) = letters
    assert (letter.stage, letter.source_topic, letter.offset, letter.attempts) == (Stage.ALERT, "news.alerts", 41, 2)
    assert "HTTP 500" in letter.reason and AlertMatch.model_validate_json(letter.payload) == MATCH


def test_matches_without_a_webhook_or_from_long_ago_are_not_posted(endpoint: str):
    letters: list[DeadLetter] = []
    sender = _sender(endpoint, letters)
    sender.deliver(_record(MATCH.model_copy(update={"alert": "quiet"})))
    sender.deliver(_record(MATCH.model_copy(update={"matched_at": datetime.now(UTC) - timedelta(hours=2)})))
    assert _Endpoint.received == [] and letters == []
    sender.deliver(_record(MATCH))
    assert len(_Endpoint.received) == 1 and sender.delivered == 1
    replayed = MATCH.model_copy(update={"matched_at": datetime.now(UTC) - timedelta(hours=2)})
    sender.deliver(_record(replayed, attempts_header(1)))  # a dead letter replayed after a fix: delivered
    assert len(_Endpoint.received) == 2
