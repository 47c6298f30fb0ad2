"""Process plumbing every service shares: settings, logging, the metrics endpoint, clean shutdown."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Protocol, TypeVar

from pydantic import SecretStr

from services.common.observability import MetricsServer
from services.common.observability import configure_logging as _configure_logging
from services.common.settings import NewsflowSettings, load_settings
from services.common.text import url_password

S = TypeVar("S", bound=NewsflowSettings)


def secrets_of(settings: NewsflowSettings) -> list[str]:
    """The secret values in ``settings`` (passwords inside URLs too), so log lines never carry them."""
    values = dict(settings).values()
    secrets = [value.get_secret_value() for value in values if isinstance(value, SecretStr)]
    return secrets + [password for value in values if isinstance(value, str) and (password := url_password(value))]


def configure_logging(level: str, settings: NewsflowSettings | None = None) -> logging.Handler:
    """Logging as the settings ask (``NEWSFLOW_LOG_FORMAT``), secrets redacted; returns the handler."""
    return _configure_logging(
        level,
        settings.log_format if settings is not None else "text",
        secrets=secrets_of(settings) if settings is not None else (),
    )


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
    def ready(self) -> bool: ...


def run_service(
    make: Callable[[S], Service], settings_class: type[S], *, metrics_port: Callable[[S], int | None]
) -> None:
    """A service process's main: settings, logging, metrics endpoint, run until SIGTERM/SIGINT."""
    settings = load_settings(settings_class)
    configure_logging(settings.log_level, settings)
    service = make(settings)
    port = metrics_port(settings)
    endpoint = MetricsServer(settings.metrics_host, port, service.ready).start() if port is not None else None
    try:
        run_until_signalled(service.run, service.stop)
    finally:
        if endpoint is not None:
            endpoint.stop()
