"""The processor's agents, one module per declared stage (``services.common.topology.STAGES``).

Each module names its stage and offers ``register(parts, route)``, which adds its faust agent (and any
timer it needs) to the app. The agent's body is a class whose ``handle`` takes message values and sends
outcomes through ``Outputs``, so it can be specified without faust or a broker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

from schemas.codec import MessageOrigin, attempt_of
from services.common.topology import Route
from services.processor.outputs import Outputs
from services.processor.settings import ProcessorSettings


@dataclass(frozen=True)
class ProcessorParts:
    """What the agents of one worker share."""

    app: faust.App
    settings: ProcessorSettings
    outputs: Outputs

    def input_of(self, route: Route) -> str:
        """The topic a stage's agent reads; faust's group is the app's id, so the declaration must name it."""
        topic, group = route.consumes
        if group != self.settings.processor_app_id:
            raise ValueError(f"the {route.stage} stage is declared in group {group!r}, but agents join the app's")
        return topic

    def channel(self, topic: str) -> faust.TopicT:
        """A topic read as raw bytes: a value faust failed to deserialise would be dropped, not dead-lettered."""
        return self.app.topic(topic, key_serializer="raw", value_serializer="raw")

    async def send_change(self, topic: str, key: bytes, value: bytes | None, partition: int) -> None:
        """A learned-state change, through the app's producer: faust flushes it before committing the input."""
        await self.app.producer.send(topic, key, value, partition, None, None)


def origin(event: Any) -> MessageOrigin:
    """Where a message came from, for its dead letter."""
    message = event.message
    key = event.key.decode("utf-8", "replace") if isinstance(event.key, bytes) else None
    return MessageOrigin(
        source_topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=key,
        attempts=attempt_of(message.headers),
    )
