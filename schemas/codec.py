"""Bytes on the wire ↔ schema objects. Every topic carries UTF-8 JSON; failures name the message kind."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import TypedDict, TypeVar

from pydantic import ValidationError

from schemas.articles import Contract, DeadLetter, Stage

M = TypeVar("M", bound=Contract)

# A message larger than this is refused before parsing: Kafka's default max.message.bytes is ~1 MiB
# per record after compression, and news.raw carries raw HTML capped well below this.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


# A replayed message carries how often it failed so far, so the letter it may become counts one more.
ATTEMPTS_HEADER = "newsflow-attempts"


class MessageOrigin(TypedDict, total=False):
    """Where a consumed message came from; recorded in its dead letter so it can be found and replayed."""

    source_topic: str
    partition: int
    offset: int
    key: str | None
    attempts: int  # this handling is the message's n-th attempt (1 unless it was replayed from a dead letter)


def attempt_of(headers: Iterable[tuple[str, bytes]] | Mapping[str, bytes] | None) -> int:
    """Which attempt at a message this is, from its Kafka headers; an unreadable count is a first attempt."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers or ()
    for name, value in pairs:
        if name == ATTEMPTS_HEADER:
            text = bytes(value or b"").decode("ascii", "replace")
            return int(text) + 1 if text.isdigit() and len(text) < 6 else 1
    return 1


def attempts_header(failed_attempts: int) -> list[tuple[str, bytes]]:
    """The headers of a message replayed after ``failed_attempts`` failures."""
    return [(ATTEMPTS_HEADER, str(failed_attempts).encode("ascii"))]


class InvalidMessage(ValueError):
    """A message that cannot become the expected schema object; ``reason`` is one readable line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(message: Contract) -> bytes:
    return message.model_dump_json(exclude_none=False).encode("utf-8")


def decode(model: type[M], data: bytes | str | None) -> M:
    """Parse and validate one message, raising :class:`InvalidMessage` with a one-line reason."""
    if data is None or len(data) == 0:
        raise InvalidMessage(f"empty message where a {model.__name__} was expected")
    if len(data) > MAX_MESSAGE_BYTES:
        raise InvalidMessage(f"message of {len(data)} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidMessage(f"message is not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        raise InvalidMessage(describe_validation_error(model.__name__, error)) from None


def describe_validation_error(kind: str, error: ValidationError) -> str:
    """Compress pydantic's report into one line: ``RawArticle: url: Field required; ...``."""
    problems = []
    for item in error.errors(include_url=False)[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "message"
        problems.append(f"{where}: {item['msg']}")
    more = error.error_count() - len(problems)
    suffix = f"; and {more} more" if more > 0 else ""
    return f"invalid {kind}: " + "; ".join(problems) + suffix


def dead_letter(
    stage: Stage,
    payload: bytes | str | None,
    error: BaseException,
    *,
    reason: str | None = None,
    **context: object,
) -> DeadLetter:
    """Wrap a failed payload and its error into a DeadLetter, keeping undecodable bytes as base64."""
    raw = payload if payload is not None else b""
    if isinstance(raw, str):
        text, encoding = raw, "utf-8"
    else:
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = base64.b64encode(raw).decode("ascii"), "base64"
    return DeadLetter.model_validate(
        {
            "stage": stage,
            "error_class": type(error).__name__,
            "reason": (reason or str(error) or type(error).__name__)[:10_000],
            "payload": text,
            "payload_encoding": encoding,
            **{key: value for key, value in context.items() if value is not None},
        }
    )


def original_payload(letter: DeadLetter) -> bytes:
    """The exact bytes a dead letter was made from, for replay."""
    if letter.payload_encoding == "base64":
        return base64.b64decode(letter.payload)
    return letter.payload.encode("utf-8")
