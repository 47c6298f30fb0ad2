"""The fetcher's I/O shell: watch the configured files and directories, publish what is new."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from services.fetcher.inputs import SUPPORTED_SUFFIXES, InputError, InputItem, read_file
from services.fetcher.publisher import Publisher
from services.fetcher.settings import FetcherSettings

log = logging.getLogger(__name__)


class Fetcher:
    """Polls local sources; a file is re-read only when its size or modification time changed."""

    def __init__(self, settings: FetcherSettings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._stamps: dict[Path, tuple[int, int]] = {}

    def stop(self) -> None:
        self._stop.set()

    def changed_files(self) -> list[Path]:
        files: list[Path] = []
        for entry in self.settings.watched_paths:
            root = Path(entry)
            candidates = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
            files.extend(p for p in candidates if p.exists() and _suffix_ok(p))
        changed = []
        for path in files:
            stat = path.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
            if self._stamps.get(path) != stamp:
                self._stamps[path] = stamp
                changed.append(path)
        return changed

    def poll_once(self, publisher: Publisher) -> int:
        items: list[InputItem] = []
        for path in self.changed_files():
            items.extend(read_file(path))
        if not items:
            return 0
        counts = publisher.publish(items)
        errors = sum(isinstance(item, InputError) for item in items)
        log.info(
            "poll: %d new, %d updated, %d unchanged, %d dead-lettered (%d input errors)",
            counts.published,
            counts.updated,
            counts.unchanged,
            counts.dead_lettered,
            errors,
        )
        return counts.published + counts.updated

    def run(self) -> None:
        if not self.settings.watched_paths:
            log.warning("no sources configured (NEWSFLOW_FETCHER_PATHS is empty); the fetcher idles")
        publisher = Publisher(self.settings)
        try:
            while not self._stop.is_set():
                self.poll_once(publisher)
                self._stop.wait(self.settings.fetcher_poll_interval_s)
        finally:
            publisher.close()


def _suffix_ok(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    return bool(suffixes) and suffixes[-1] in SUPPORTED_SUFFIXES


def main() -> None:
    from services.runtime import run_service

    run_service(Fetcher, FetcherSettings)


if __name__ == "__main__":
    main()
