"""Process plumbing every service shares: logging set-up and clean shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Protocol, TypeVar

from services.settings import NewsflowSettings

S = TypeVar("S", bound=NewsflowSettings)


def configure_logging(level: str) -> None:
    """Log lines to stderr (stdout stays free for data, as `newsflow process` needs)."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # kafka-python narrates every connection at INFO.
    logging.getLogger("kafka").setLevel(max(logging.WARNING, logging.getLogger().level))
    logging.getLogger("elastic_transport").setLevel(max(logging.WARNING, logging.getLogger().level))


def run_until_signalled(run: Callable[[], None], stop: Callable[[], None]) -> None:
    """Run ``run`` in this thread; the first SIGTERM/SIGINT asks it to stop, a second one exits at once."""
    calls = 0

    def _handle(signum: int, _frame: FrameType | None) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise SystemExit(128 + signum)
        logging.getLogger(__name__).info("received %s, finishing the current batch", signal.Signals(signum).name)
        stop()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)
    run()


class Service(Protocol):
    def run(self) -> None: ...
    def stop(self) -> None: ...


def run_service(make: Callable[[S], Service], settings_class: type[S]) -> None:
    """A service process's main: settings from the environment, logging, run until SIGTERM/SIGINT."""
    settings = settings_class()
    configure_logging(settings.log_level)
    service = make(settings)
    run_until_signalled(service.run, service.stop)
