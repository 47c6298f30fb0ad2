"""The group stage's core: the part of cleaning with memory. What does the source repeat in every article
(learned boilerplate), is the article a copy of an earlier one, and which story is it part of?

A copy joins the story of its original; any other article goes through the story clusterer. Both judge an
article against those that came before it, so one ``Grouper`` must see its articles in one order. There is
one grouper per language (``Groupers``; a reader follows a story in one language), and the pipeline keys
news.clean by language, so a language's articles meet its grouper in partition order, whichever worker
holds the partition: four workers assign exactly what one would, and what ``newsflow process`` does.

The state is a mutable mapping per partition (a ``PartitionState`` in the pipeline, a dict per partition
offline), bounded by ``max_articles``, ``max_stories`` and ``max_sources`` for the partition as a whole, all
its languages together (held.py): a worker holds at most the partitions it owns times those bounds, however
many languages they carry. A source writes in one language, so its boilerplate is learned in one partition
too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from schemas import CleanArticle
from services.common.messaging import key_partition
from services.processor.boilerplate import BoilerplateLearner, BoilerplateSettings
from services.processor.clean import content_hash
from services.processor.duplicates import DuplicateIndex, DuplicateSettings
from services.processor.held import Held
from services.processor.stories import StoryIndex, StorySettings

# How often (in articles) entries that fell out of the window are looked for.
EXPIRE_EVERY = 1000


@dataclass(frozen=True)
class GroupSettings:
    boilerplate: BoilerplateSettings = field(default_factory=BoilerplateSettings)
    duplicates: DuplicateSettings = field(default_factory=DuplicateSettings)
    stories: StorySettings = field(default_factory=StorySettings)


@dataclass(frozen=True)
class Grouped:
    """An article with its original and story set; ``article.merged_stories`` are the stories it showed to
    be that story, which the indexer folds into it."""

    article: CleanArticle

    @property
    def merged(self) -> tuple[str, ...]:
        return tuple(self.article.merged_stories)


def partition_key(article: CleanArticle) -> bytes:
    """What news.clean is keyed by: the language, which no story crosses."""
    return (article.language or "und").encode()


def partition_of(article: CleanArticle, partitions: int) -> int:
    """The partition of news.clean the article goes to: Kafka's default partitioner over its key (murmur2,
    made positive, modulo the partitions), as every producer of the topic computes it."""
    return key_partition(partition_key(article), partitions)


class Assigns(Protocol):
    def assign(self, article: CleanArticle) -> Grouped: ...


class PrefixedMapping(MutableMapping[str, Any]):
    """The keys of a shared mapping that start with a prefix, seen without it: one partition's share."""

    def __init__(self, shared: MutableMapping[str, Any], prefix: str) -> None:
        self.shared = shared
        self.prefix = prefix

    def __getitem__(self, key: str) -> Any:
        return self.shared[self.prefix + key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.shared[self.prefix + key] = value

    def __delitem__(self, key: str) -> None:
        del self.shared[self.prefix + key]

    def __iter__(self) -> Iterator[str]:
        size = len(self.prefix)
        return (key[size:] for key in list(self.shared) if key.startswith(self.prefix))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class Grouper:
    """One language's boilerplate, duplicates and stories over one store.

    Keys: ``b/<source>`` (boilerplate), ``a/<article id>`` (duplicates), ``s/<story id>`` (stories).
    """

    def __init__(
        self,
        store: MutableMapping[str, Any] | None = None,
        settings: GroupSettings | None = None,
        ledgers: Ledgers | None = None,
    ) -> None:
        store = store if store is not None else {}
        self.settings = settings or GroupSettings()
        own = ledgers is None
        ledgers = ledgers or Ledgers.bounded_by(self.settings)
        self.boilerplate = BoilerplateLearner(PrefixedMapping(store, "b/"), self.settings.boilerplate, ledgers.sources)
        self.duplicates = DuplicateIndex(PrefixedMapping(store, "a/"), self.settings.duplicates, ledgers.articles)
        self.stories = StoryIndex(PrefixedMapping(store, "s/"), self.settings.stories, ledgers.stories)
        if own:
            ledgers.settle()
        self._since_expiry = 0

    def assign(self, article: CleanArticle) -> Grouped:
        """Strip learned boilerplate, set ``duplicate_of`` and ``story_id``; the same article again gets
        what it got the first time."""
        body, removed = self.boilerplate.strip(article.source, article.id, article.body)
        if removed:
            article = article.model_copy(update={"body": body, "content_hash": content_hash(body)})
        when = (article.published_at or article.fetched_at).timestamp()
        known = self.duplicates.known(article.id)
        if known is not None:
            return Grouped(self._with(article, known["d"], self.stories.resolve(known["story"])))
        digest = article.content_hash or content_hash(article.body)
        signature = self.duplicates.signature(article.body)
        copies = self.duplicates.copies(article.id, signature, digest, when)
        original = self.duplicates.original_among(copies, article.id, when)
        merged: tuple[str, ...] = ()
        superseded: str | None = None
        if original is not None:
            story_id = self.stories.resolve(original.story_id)
        elif copies:
            # Published before every copy seen so far, though it arrived after them: it is their original,
            # and joins their story. The index re-points the copies (``supersedes``).
            superseded = copies[0].original or copies[0].article_id
            self.duplicates.repoint(copies, article.id)
            story_id = self.stories.resolve(copies[0].story)
        else:
            joined = self.stories.assign(article.id, article.title, article.body, when)
            story_id, merged = joined.story_id, joined.merged
        duplicate_of = original.article_id if original is not None else None
        self.duplicates.remember(article.id, signature, digest, when, duplicate_of, story_id)
        self._expire(min(when, time.time()))  # a date in the future must not expire everything
        grouped = self._with(article, duplicate_of, story_id, merged)
        if superseded is not None:
            grouped = grouped.model_copy(update={"supersedes": superseded})
        return Grouped(grouped)

    @staticmethod
    def _with(
        article: CleanArticle, duplicate_of: str | None, story_id: str, merged: tuple[str, ...] = ()
    ) -> CleanArticle:
        return article.model_copy(
            update={"duplicate_of": duplicate_of, "story_id": story_id, "merged_stories": list(merged)}
        )

    def _expire(self, now: float) -> None:
        self._since_expiry += 1
        if self._since_expiry >= EXPIRE_EVERY:
            self._since_expiry = 0
            self.duplicates.expire(now)
            self.stories.expire(now)


@dataclass(frozen=True)
class Ledgers:
    """The bounds of one partition's state, shared by its languages' groupers (held.py)."""

    sources: Held
    articles: Held
    stories: Held

    @classmethod
    def bounded_by(cls, settings: GroupSettings) -> Ledgers:
        return cls(
            Held(settings.boilerplate.max_sources),
            Held(settings.duplicates.max_articles),
            Held(settings.stories.max_stories),
        )

    def settle(self) -> None:
        for ledger in (self.sources, self.articles, self.stories):
            ledger.settle()


class Groupers:
    """One partition's groupers, one per language over one store (keys prefixed ``<language>|``), under the
    partition's bounds. Languages the store holds are restored at once (their entries count against the
    bounds from the start); a new one is made when its first article comes."""

    def __init__(self, store: MutableMapping[str, Any] | None = None, settings: GroupSettings | None = None) -> None:
        self.store = store if store is not None else {}
        self.settings = settings or GroupSettings()
        self.ledgers = Ledgers.bounded_by(self.settings)
        self.by_language: dict[str, Grouper] = {}
        for language in sorted({key.split("|", 1)[0] for key in self.store if "|" in key}):
            self._add(language)
        self.ledgers.settle()

    def _add(self, language: str) -> Grouper:
        grouper = Grouper(PrefixedMapping(self.store, f"{language}|"), self.settings, self.ledgers)
        self.by_language[language] = grouper
        return grouper

    def assign(self, article: CleanArticle) -> Grouped:
        language = partition_key(article).decode()
        grouper = self.by_language.get(language) or self._add(language)
        return grouper.assign(article)


class PartitionedGroupers:
    """Groupers for every partition of news.clean, in one process: ``newsflow process`` holds, bounds and
    forgets state per partition as the pipeline's workers do, so it assigns what they assign."""

    def __init__(self, partitions: int, settings: GroupSettings | None = None) -> None:
        self.partitions = partitions
        self.settings = settings or GroupSettings()
        self.by_partition: dict[int, Groupers] = {}

    def assign(self, article: CleanArticle) -> Grouped:
        partition = partition_of(article, self.partitions)
        if partition not in self.by_partition:
            self.by_partition[partition] = Groupers({}, self.settings)
        return self.by_partition[partition].assign(article)
