"""``newsflow``: the one command for the local stack, the services, ingestion, offline processing and search."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from services.common.text import masked_urls, without_controls

if TYPE_CHECKING:
    from schemas.articles import Contract

M = TypeVar("M", bound="Contract")
T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = REPO_ROOT / "deploy" / "samples"


def _print(*values: object, file: Any = None, flush: bool = False) -> None:
    """``print`` for everything this command shows: titles, sources and reasons come from sites nobody
    vetted, so escape sequences and control characters are dropped and URL passwords masked on the way out."""
    print(masked_urls(without_controls(" ".join(map(str, values)))), file=file or sys.stdout, flush=flush)


def _fail(message: str, code: int = 1) -> int:
    _print(f"newsflow: {message}", file=sys.stderr)
    return code


# ------------------------------------------------------------------------------------------- stack


def cmd_stack(args: argparse.Namespace) -> int:
    from deploy.local.stack import StackError, StackSettings, down, status, up

    settings = StackSettings()
    try:
        if args.action == "up":
            started = time.monotonic()
            states = up(settings)
            for state in states:
                _print(state.line())
            _print(f"stack ready in {time.monotonic() - started:.1f}s")
            return 0 if all(state.healthy for state in states) else 1
        if args.action == "down":
            down(settings)
            return 0
        states = status(settings)
        if args.json:
            _print(json.dumps([state.__dict__ for state in states], indent=2))
        else:
            for state in states:
                _print(state.line())
        return 0 if all(state.healthy for state in states) else 1
    except StackError as error:
        return _fail(str(error))


# --------------------------------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    """Supervise the services until Ctrl-C/SIGTERM: restart what crashes, show progress, stop cleanly."""
    from services.operations.run import supervise
    from services.operations.status import PipelineSettings
    from services.operations.supervisor import default_processors, parse_workers

    settings = PipelineSettings()
    try:
        workers = parse_workers(args.services, processors=default_processors(settings.topic_partitions))
    except ValueError as error:
        return _fail(str(error), 2)
    return supervise(
        settings,
        workers,
        live=sys.stdout.isatty() and not args.plain,
        interval=args.interval,
        log_dir=Path(args.log_dir) if args.log_dir else None,
        samples=SAMPLES_DIR if args.samples else None,
    )


# ------------------------------------------------------------------------------------------ ingest


def cmd_ingest(args: argparse.Namespace) -> int:
    from kafka.errors import KafkaError

    from services.common.runtime import configure_logging
    from services.fetcher.ingest import ingest
    from services.fetcher.settings import FetcherSettings

    settings = FetcherSettings()
    configure_logging(settings.log_level)
    try:
        result = ingest(settings, args.paths, backfill=args.backfill, force=args.force)
    except KafkaError as error:
        return _fail(f"cannot publish to Kafka at {settings.kafka_bootstrap}: {error}")
    for skipped in result.skipped:
        _print(f"newsflow: skipped {skipped.reason}", file=sys.stderr)
    counts = result.counts
    _print(
        f"published {counts.published + counts.updated} articles to {settings.topic_raw} "
        f"({counts.published} new, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{counts.dead_lettered} dead-lettered)"
    )
    return 0


# ----------------------------------------------------------------------------------------- process


def cmd_process(args: argparse.Namespace) -> int:
    """Offline clean + enrich: EnrichedArticle JSON lines on stdout, in input order, nothing else there."""
    from schemas import DeadLetter, RawArticle
    from services.common.runtime import configure_logging
    from services.common.settings import load_settings
    from services.fetcher.inputs import InputError, walk
    from services.processor.offline import OfflineRun, default_workers
    from services.processor.settings import ProcessorSettings

    configure_logging(os.environ.get("NEWSFLOW_LOG_LEVEL", "WARNING"))
    run = OfflineRun(load_settings(ProcessorSettings), workers=args.workers or default_workers())
    produced = failed = 0

    def readable() -> Iterator[RawArticle]:
        nonlocal failed
        for item in walk(args.paths):
            if isinstance(item, InputError):
                _print(f"newsflow: {item.reason}", file=sys.stderr)
                failed += 1
            else:
                yield item

    started = time.perf_counter()
    for outcome in run.process(readable()):
        if isinstance(outcome, DeadLetter):
            _print(f"newsflow: {outcome.url or outcome.article_id}: {outcome.error_class}: {outcome.reason}",
                  file=sys.stderr)  # fmt: skip
            failed += 1
            continue
        sys.stdout.write(outcome.model_dump_json() + "\n")
        sys.stdout.flush()
        produced += 1
    _print(
        f"newsflow: {produced} articles processed, {failed} failed in {time.perf_counter() - started:.2f}s "
        f"({run.warm_up_s:.2f}s of it loading the model; {run.workers} worker{'s' if run.workers > 1 else ''})",
        file=sys.stderr,
    )
    return 0 if produced or not failed else 1


# ----------------------------------------------------------------------------------------- sources


def _ago(moment: float | None, now: float) -> str:
    if moment is None:
        return "never"
    seconds = moment - now
    magnitude = abs(seconds)
    text = (
        f"{magnitude:.0f}s"
        if magnitude < 120
        else f"{magnitude / 60:.0f}m"
        if magnitude < 7200
        else f"{magnitude / 3600:.1f}h"
    )
    return f"in {text}" if seconds > 0 else f"{text} ago"


def cmd_sources(args: argparse.Namespace) -> int:
    """Each configured source with the health its last polls left in the fetcher's state topic."""
    from kafka.errors import KafkaError

    from services.fetcher.schedule import initial_state
    from services.fetcher.service import configured_sources, load_states
    from services.fetcher.settings import FetcherSettings
    from services.fetcher.sources import SourcesError

    settings = FetcherSettings()
    try:
        sources = configured_sources(settings)
    except SourcesError as error:
        return _fail(str(error))
    if not sources:
        return _fail("no sources configured: set NEWSFLOW_SOURCES to a sources file (see deploy/sources.yaml)")
    try:
        states = load_states(settings)
    except KafkaError as error:
        return _fail(f"cannot read the fetcher's state from Kafka at {settings.kafka_bootstrap}: {error}")
    now = time.time()
    rows = []
    for source in sources:
        state = states.get(source.name) or initial_state(source)
        rows.append(
            {
                "name": source.name,
                "kind": str(source.kind),
                "where": source.url or str(source.path),
                "enabled": source.enabled,
                **dataclasses.asdict(state),
            }
        )
    if args.json:
        for row in rows:
            _print(json.dumps(row))
        return 0
    header = f"{'SOURCE':<22} {'KIND':<8} {'STATUS':<13} {'HTTP':>4} {'LAST POLL':>10} {'NEW':>5} {'DUP':>5} "
    header += f"{'POLLS':>6} {'304':>5} {'FAIL':>5} {'PUBLISHED':>9} {'NEXT POLL':>10}  LAST ERROR"
    _print(header)
    for row in rows:
        status = row["status"] if row["enabled"] else "disabled"
        _print(
            f"{row['name'][:22]:<22} {row['kind']:<8} {status:<13} {row['http_status'] or '-':>4} "
            f"{_ago(row['last_poll'], now):>10} {row['new_items']:>5} {row['known_items']:>5} {row['polls']:>6} "
            f"{row['not_modified_polls']:>5} {row['failed_polls']:>5} {row['published']:>9} "
            f"{_ago(row['next_poll'], now) if row['enabled'] and row['last_poll'] else '-':>10}  "
            f"{(row['last_error'] or row['problem'] or '')[:100]}"
        )
    return 0


# --------------------------------------------------------------------------------------- subscribe


def cmd_subscribe(args: argparse.Namespace) -> int:
    """Tail one per-topic stream as JSON lines, optionally only articles naming an entity."""
    from kafka import KafkaConsumer
    from kafka.errors import KafkaError

    from schemas import SLUGS, EnrichedArticle, find_media_topic
    from services.common.messaging import MAX_REQUEST_BYTES
    from services.common.settings import KafkaSettings
    from services.indexer.alerts import mentions_entity

    settings = KafkaSettings()
    code = find_media_topic(args.topic)
    if code is None:
        return _fail(f"unknown topic {args.topic!r}; choose one of: {', '.join(SLUGS.values())}", 2)
    topic = settings.subscription_topic(code)
    try:
        consumer = KafkaConsumer(
            topic,
            **settings.kafka_client_options(),
            group_id=args.group,
            auto_offset_reset="earliest" if args.from_beginning else "latest",
            enable_auto_commit=args.group is not None,
            consumer_timeout_ms=int(args.timeout * 1000) if args.timeout else float("inf"),
            max_partition_fetch_bytes=MAX_REQUEST_BYTES,
        )
    except KafkaError as error:
        return _fail(f"cannot reach Kafka at {settings.kafka_bootstrap}: {error}")
    _print(f"subscribed to {topic}{f' (entity {args.entity})' if args.entity else ''}", file=sys.stderr)
    return print_messages(
        consumer, EnrichedArticle, lambda article: not args.entity or mentions_entity(article, args.entity), args.max
    )


def print_messages(consumer: Any, model: type[M], keep: Callable[[M], bool], most: int = 0) -> int:
    """Print the consumer's messages as JSON lines, those ``keep`` accepts, ``most`` at most (0: all); an
    unreadable message is reported on stderr and skipped."""
    from schemas import InvalidMessage, decode

    shown = 0
    try:
        for record in consumer:
            try:
                message = decode(model, record.value)
            except InvalidMessage as error:
                _print(
                    f"newsflow: skipped an unreadable message at offset {record.offset}: {error.reason}",
                    file=sys.stderr,
                )
                continue
            if not keep(message):
                continue
            _print(message.model_dump_json(), flush=True)
            shown += 1
            if most and shown >= most:
                break
    finally:
        consumer.close()
    return 0


# ----------------------------------------------------------------------------------------- reindex


def cmd_reindex(args: argparse.Namespace) -> int:
    """Rebuild this mapping version's indices from news.enriched and swap the alias to them."""
    from elasticsearch import TransportError
    from kafka.errors import KafkaError

    from services.common.runtime import configure_logging
    from services.indexer.reindex import reindex
    from services.indexer.settings import IndexerSettings

    settings = IndexerSettings()
    configure_logging(settings.log_level)
    try:
        result = reindex(settings, delete_old=args.delete_old, report=lambda line: _print(line, file=sys.stderr))
    except (KafkaError, TransportError) as error:
        return _fail(f"reindex stopped, the alias is unchanged: {error}")
    _print(
        f"rebuilt {result.copied} articles from the old indices and replayed {result.read} messages in "
        f"{result.seconds:.1f}s: {result.written.indexed} written, "
        f"{result.written.stale} already newer, {result.written.dead_lettered} dead-lettered; "
        f"alias {settings.es_alias} → {', '.join(result.added)}"
        + (f" (was also {', '.join(result.removed)})" if result.removed else "")
    )
    return 0


# ------------------------------------------------------------------------------------------ alerts


def cmd_alerts(args: argparse.Namespace) -> int:
    """Saved searches: add, list, remove; tail what they fired on news.alerts."""
    from elasticsearch import TransportError

    from services.fetcher.http import AddressPolicy
    from services.indexer.alerts import AlertError, add_alert, list_alerts, remove_alert
    from services.indexer.elastic import make_client
    from services.indexer.settings import AlertSettings

    settings = AlertSettings()
    if args.action == "tail":
        return _tail_alerts(settings, args)
    if args.action in {"add", "remove"} and not args.name:
        return _fail(f"alerts {args.action} needs a NAME", 2)
    client = make_client(settings)
    try:
        if args.action == "add":
            alert = add_alert(client, settings.es_alerts_index, args.name, query=args.query, topic=args.topic,
                              entity=args.entity, webhook=args.webhook, per_story=args.per_story,
                              webhook_policy=AddressPolicy(settings.webhook_networks))  # fmt: skip
            _print(f"alert {args.name} added; it fires for articles indexed from now on: {json.dumps(alert)}")
        elif args.action == "remove":
            if not remove_alert(client, settings.es_alerts_index, args.name):
                return _fail(f"no alert named {args.name}")
            _print(f"alert {args.name} removed")
        else:
            for alert in list_alerts(client, settings.es_alerts_index):
                _print(json.dumps(alert) if args.json else
                      f"{alert['name']:<24} query={alert.get('query')!r} topic={alert.get('topic')} "
                      f"entity={alert.get('entity')!r} webhook={alert.get('webhook') or '-'} "
                      f"{'once per story, ' if alert.get('per_story') else ''}"
                      f"checked until {alert['checked_until']}")  # fmt: skip
    except AlertError as error:
        return _fail(str(error), 2)
    except TransportError as error:
        return _fail(f"cannot reach Elasticsearch at {settings.es_url}: {error}")
    finally:
        client.close()
    return 0


def _tail_alerts(settings: Any, args: argparse.Namespace) -> int:
    from kafka import KafkaConsumer

    from schemas import AlertMatch

    consumer = KafkaConsumer(
        settings.topic_alerts,
        **settings.kafka_client_options(),
        auto_offset_reset="earliest" if args.from_beginning else "latest",
        consumer_timeout_ms=int(args.timeout * 1000) if args.timeout else float("inf"),
    )
    return print_messages(consumer, AlertMatch, lambda match: not args.name or match.alert == args.name, args.max)


# ------------------------------------------------------------------------------------------ kibana


def cmd_kibana(args: argparse.Namespace) -> int:
    """Load the dashboards, visualisations, map and data view into Kibana."""
    from services.common.settings import ElasticsearchSettings
    from services.indexer.kibana import KibanaError, import_saved_objects

    settings = ElasticsearchSettings()
    auth = None
    if settings.es_username and settings.es_password:
        auth = (settings.es_username, settings.es_password.get_secret_value())
    api_key = settings.es_api_key.get_secret_value() if settings.es_api_key else None
    try:
        answer = import_saved_objects(
            args.url, settings.es_alias, stories_alias=settings.es_stories_alias, api_key=api_key, auth=auth
        )
    except KibanaError as error:
        return _fail(str(error))
    _print(f"imported {answer.get('successCount', 0)} saved objects into {args.url} "
          f"(data views '{settings.es_alias}' and '{settings.es_stories_alias}')")  # fmt: skip
    return 0


# ------------------------------------------------------------------------------------------ search


def cmd_search(args: argparse.Namespace) -> int:
    from elasticsearch import ApiError, TransportError

    from services.common.settings import ElasticsearchSettings
    from services.indexer.elastic import make_client, search

    settings = ElasticsearchSettings()
    client = make_client(settings)
    try:
        result = search(client, settings.es_alias, " ".join(args.query), size=args.size)
    except TransportError as error:
        return _fail(f"cannot reach Elasticsearch at {settings.es_url}: {error}")
    except ApiError as error:
        if error.meta.status == 503:  # an index just created by the indexer, its shards still starting
            return _fail(f"the alias '{settings.es_alias}' is not ready yet (its shards are starting); try again")
        return _fail(f"search failed: {error.message} ({error.meta.status})")
    hits = result["hits"]["hits"]
    if args.json:
        for hit in hits:
            _print(json.dumps({"id": hit["_id"], "score": hit["_score"], **hit["_source"]}, ensure_ascii=False))
        return 0
    total = result["hits"]["total"]["value"]
    _print(f"{total} article{'s' if total != 1 else ''} match")
    for hit in hits:
        source = hit["_source"]
        title = source.get("title") or "(untitled)"
        when = (source.get("published_at") or source.get("fetched_at") or "")[:10]
        _print(f"\n{hit['_score']:6.2f}  {title}\n        {source.get('source', '')}  {when}  {source.get('url', '')}")
        for fragment in hit.get("highlight", {}).get("body", []):
            _print("        " + fragment.replace("<em>", "*").replace("</em>", "*"))
    return 0


# ------------------------------------------------------------------------------------------ stories


def _when(value: str | None) -> str:
    return (value or "")[:16].replace("T", " ")


def _print_json_lines(documents: list[dict[str, Any]]) -> int:
    for document in documents:
        _print(json.dumps(document, ensure_ascii=False))
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _read_elasticsearch(what: str, read: Callable[[Any, Any], T]) -> tuple[T | None, int]:
    """``read(settings, client)`` against the configured node: (its result, 0), or (None, exit code) with
    the reason printed — unreachable, refused, or (for a story) not there."""
    from elasticsearch import ApiError, TransportError

    from services.common.settings import ElasticsearchSettings
    from services.indexer.elastic import make_client
    from services.indexer.stories import StoryNotFound

    settings = ElasticsearchSettings()
    client = make_client(settings)
    try:
        return read(settings, client), 0
    except StoryNotFound as error:
        return None, _fail(str(error))
    except TransportError as error:
        return None, _fail(f"cannot reach Elasticsearch at {settings.es_url}: {error}")
    except ApiError as error:
        return None, _fail(f"{what} failed: {error.message} ({error.meta.status})")
    finally:
        client.close()


def cmd_stories(args: argparse.Namespace) -> int:
    from services.indexer.stories import top_stories

    stories, failed = _read_elasticsearch(
        "stories", lambda settings, client: top_stories(client, settings, hours=args.hours, size=args.size)
    )
    if stories is None:
        return failed
    if args.json:
        return _print_json_lines(stories)
    _print(f"{len(stories)} top stor{'ies' if len(stories) != 1 else 'y'} seen in the last {args.hours:g} h")
    if stories:
        _print(f"\n{'articles':>8} {'outlets':>7}  {'first seen (UTC)':16}  {'last seen':16}  story")
    for story in stories:
        _print(f"{story['article_count']:>8} {story['source_count']:>7}  {_when(story['first_seen']):16}  "
              f"{_when(story['last_seen']):16}  {_clip(story['headline'] or '(untitled)', 70)}\n"
              f"{'':55}{story['id']}")  # fmt: skip
    return 0


def cmd_story(args: argparse.Namespace) -> int:
    from services.indexer.stories import MAX_MERGE_HOPS, get_story, story_timeline

    def read(settings: Any, client: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        path = [get_story(client, settings, args.id)]
        for _ in range(MAX_MERGE_HOPS):  # a merged story stands for the one it was merged into
            if not path[-1].get("merged_into"):
                break
            path.append(get_story(client, settings, path[-1]["merged_into"]))
        return path, story_timeline(client, settings, path[-1]["id"], size=args.size)

    found, failed = _read_elasticsearch("story", read)
    if found is None:
        return failed
    path, articles = found
    story = path[-1]
    if args.json:
        _print(json.dumps({**story, "articles": articles}, ensure_ascii=False))
        return 0
    for merged in path[:-1]:
        _print(f"story {merged['id']} was merged into {merged['merged_into']}")
    _print(f"{story['headline'] or '(untitled)'}\nstory {story['id']}")
    _print(f"{story['article_count']} articles ({story['duplicate_count']} copies) from {story['source_count']} "
          f"outlets, {_when(story['first_seen'])} → {_when(story['last_seen'])} UTC")  # fmt: skip
    for label, key in (("persons", "persons"), ("organisations", "organizations"), ("places", "locations"),
                       ("topics", "topic_labels")):  # fmt: skip
        if story.get(key):
            _print(f"{label}: {'; '.join(story[key])}")
    _print()
    for article in articles:
        copy = f"  (copy of {article['duplicate_of'][:8]})" if article.get("duplicate_of") else ""
        _print(f"{_when(article.get('timestamp'))}  {_clip(article.get('source', ''), 24):24}  "
              f"{_clip(article.get('title') or '(untitled)', 70)}{copy}")  # fmt: skip
    if len(articles) < story["article_count"]:
        _print(f"… {story['article_count'] - len(articles)} more (--size)")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from services.indexer.versions import article_versions

    versions, failed = _read_elasticsearch(
        "versions", lambda settings, client: article_versions(client, settings, args.id)
    )
    if versions is None:
        return failed
    if args.json:
        return _print_json_lines(versions)
    if not versions:
        _print(f"article {args.id} has no earlier versions")
        return 0
    _print(f"article {args.id}: {_count(len(versions), 'earlier version')}")
    for version in versions:
        _print(f"\nversion {version['version']}, seen {_when(version.get('seen_at'))}, replaced "
              f"{_when(version.get('replaced_at'))} UTC: {_count(version['added_count'], 'sentence')} added, "
              f"{version['removed_count']} removed")  # fmt: skip
        if version.get("title") != version.get("new_title"):
            _print(f"  title: {version.get('title')!r} → {version.get('new_title')!r}")
        for sign, key in (("+", "sentences_added"), ("-", "sentences_removed")):
            for sentence in version.get(key, []):
                _print(f"  {sign} {_clip(sentence, 110)}")
    return 0


# ---------------------------------------------------------------------------------- status and dlq


def cmd_status(args: argparse.Namespace) -> int:
    """One snapshot of the stack, topics, consumer groups, index and dead letters; exit 1 if something is wrong."""
    from rich.console import Console

    from services.operations.status import PipelineSettings, StatusCollector, as_json, render

    collector = StatusCollector(PipelineSettings(), last_errors=args.errors)
    try:
        status = collector.snapshot()
    finally:
        collector.close()
    if args.json:
        _print(as_json(status))
    else:
        Console().print(render(status))
    healthy = status.kafka == "ok" and status.elasticsearch.startswith(("green", "yellow"))
    return 0 if healthy else 1


def cmd_dlq(args: argparse.Namespace) -> int:
    """Inspect dead letters and replay chosen ones."""
    from services.common.settings import KafkaSettings
    from services.operations.deadletters import find_letters, handled_letters, newest_letters, read_letters, replay

    settings = KafkaSettings()
    if args.action == "list":
        quarantined = args.quarantined
        letters = (
            newest_letters(settings, args.limit, quarantined=quarantined)
            if not args.stage
            else [
                stored
                for stored in read_letters(settings, quarantined=quarantined)
                if stored.letter.stage == args.stage
            ][-args.limit :][::-1]
        )
        handled = {} if quarantined else handled_letters(settings)
        for stored in letters:
            letter, done = stored.letter, handled.get(stored.ref)
            if args.json:
                shown = letter.model_dump(mode="json", exclude={"payload"})
                _print(json.dumps({"ref": stored.ref, "handled": done, **shown}))
            else:
                what, reason = letter.article_id or letter.url or letter.key or "", " ".join(letter.reason.split())
                _print(
                    f"{stored.ref:<8} {letter.failed_at:%Y-%m-%d %H:%M:%S} {letter.stage:<7} {letter.error_class:<20} "
                    f"{letter.attempts:>2}x {done or 'waiting':<11} {what[:40]:<40} {reason[:80]}"
                )
        if not letters and not args.json:
            _print("no letters in quarantine" if quarantined else "no dead letters")
        return 0
    if not args.refs and not (args.action == "replay" and (args.stage or args.all)):
        return _fail(f"dlq {args.action} needs letter references (partition:offset, from `newsflow dlq list`)", 2)
    try:
        if args.refs:
            chosen = find_letters(settings, args.refs)
        else:
            chosen = [stored for stored in read_letters(settings) if args.all or stored.letter.stage == args.stage]
    except (LookupError, ValueError) as error:
        return _fail(str(error), 2)
    if args.action == "show":
        for stored in chosen:
            _print(
                json.dumps({"ref": stored.ref, **stored.letter.model_dump(mode="json")}, indent=2, ensure_ascii=False)
            )
        return 0
    if args.dry_run:
        for stored in chosen:
            action = "quarantine" if stored.letter.attempts >= settings.dlq_max_attempts else "replay"
            where = stored.letter.source_topic or stored.letter.url
            _print(f"would {action} {stored.ref} ({stored.letter.stage}: {where}, failed {stored.letter.attempts}x)")
        return 0
    counts = replay(settings, chosen)
    _print(
        f"replayed {counts['replayed']} messages to their topics, fetched {counts['refetched']} pages again, "
        f"skipped {counts['skipped']}; quarantined {counts['quarantined']} (failed "
        f"{settings.dlq_max_attempts} times); {counts['already']} handled before"
    )
    return 0


# -------------------------------------------------------------------------------------------- main


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from schemas import Stage

    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    stack = commands.add_parser("stack", help="the local Kafka + Elasticsearch stack (no Docker)")
    stack.add_argument("action", choices=["up", "down", "status"])
    stack.add_argument("--json", action="store_true", help="status as JSON")
    stack.set_defaults(handler=cmd_stack)

    run = commands.add_parser("run", help="supervise the services until Ctrl-C, with a live view of their progress")
    run.add_argument(
        "services",
        nargs="*",
        metavar="SERVICE[=N]",
        help="fetcher, processor, indexer (default: all); processor=2 runs two",
    )
    run.add_argument("--samples", action="store_true", help="also ingest the bundled sample articles")
    run.add_argument("--plain", action="store_true", help="structured lines on stderr instead of the live view")
    run.add_argument("--interval", type=float, default=0, help="seconds between progress reports (2 live, 15 plain)")
    run.add_argument("--log-dir", help="live view: where the services' logs go (default: $TMPDIR/newsflow-logs)")
    run.set_defaults(handler=cmd_run)

    ingest = commands.add_parser("ingest", help="publish articles from files, directories or URLs once")
    ingest.add_argument("paths", nargs="+", metavar="PATH_OR_URL")
    ingest.add_argument("--backfill", action="store_true", help="mark as backfill (archives, replays)")
    ingest.add_argument("--force", action="store_true", help="publish even articles already published unchanged")
    ingest.set_defaults(handler=cmd_ingest)

    process = commands.add_parser("process", help="clean + enrich offline; EnrichedArticle JSON lines on stdout")
    process.add_argument("paths", nargs="+", metavar="PATH")
    process.add_argument("--workers", type=_positive, help="processes to use (default: all cores)")
    process.set_defaults(handler=cmd_process)

    sources = commands.add_parser("sources", help="the fetcher's sources and the health of their last polls")
    sources.add_argument("--json", action="store_true", help="one JSON object per source")
    sources.set_defaults(handler=cmd_sources)

    subscribe = commands.add_parser("subscribe", help="tail a per-topic stream as JSON lines")
    subscribe.add_argument("topic", metavar="TOPIC", help="slug (conflict-war-and-peace), label or IPTC code")
    subscribe.add_argument("--entity", help="only articles naming this entity: a name or alias, or whole words of one")
    subscribe.add_argument("--from-beginning", action="store_true", help="start at the oldest article kept")
    subscribe.add_argument("--group", help="consumer group: resume where this group stopped (commits offsets)")
    subscribe.add_argument("--max", type=int, default=0, help="stop after this many articles")
    subscribe.add_argument("--timeout", type=float, default=0, help="stop after this many idle seconds")
    subscribe.set_defaults(handler=cmd_subscribe)

    reindex_parser = commands.add_parser("reindex", help="rebuild the indices from news.enriched, then swap the alias")
    reindex_parser.add_argument("--delete-old", action="store_true", help="delete the indices the alias left")
    reindex_parser.set_defaults(handler=cmd_reindex)

    alerts = commands.add_parser("alerts", help="saved searches that fire on newly indexed articles")
    alerts.add_argument("action", choices=["add", "list", "remove", "tail"])
    alerts.add_argument("name", nargs="?", help="the alert's name (add, remove; tail: only this alert)")
    alerts.add_argument("--query", help="full-text query over title and body (query_string syntax)")
    alerts.add_argument("--topic", help="IPTC top-level topic: slug, label or code")
    alerts.add_argument("--entity", help="an entity named: a name or alias, or whole words of one")
    alerts.add_argument("--webhook", help="also POST each match here as JSON (retried)")
    alerts.add_argument("--per-story", action="store_true", help="add: fire once per story, not once per article")
    alerts.add_argument("--json", action="store_true", help="list: one JSON object per alert")
    alerts.add_argument("--from-beginning", action="store_true", help="tail: from the oldest match kept")
    alerts.add_argument("--max", type=int, default=0, help="tail: stop after this many matches")
    alerts.add_argument("--timeout", type=float, default=0, help="tail: stop after this many idle seconds")
    alerts.set_defaults(handler=cmd_alerts)

    kibana = commands.add_parser("kibana", help="Kibana saved objects (dashboard, visualisations, map)")
    kibana.add_argument("action", choices=["import"])
    kibana.add_argument("--url", default="http://127.0.0.1:5601", help="Kibana's base URL")
    kibana.set_defaults(handler=cmd_kibana)

    status = commands.add_parser("status", help="stack health, topics, consumer lag, documents, dead letters, problems")
    status.add_argument("--json", action="store_true", help="the snapshot as one JSON document")
    status.add_argument("--errors", type=int, default=5, help="how many of the last dead letters to show")
    status.set_defaults(handler=cmd_status)

    dlq = commands.add_parser("dlq", help="dead letters: list, show, replay after a fix")
    dlq.add_argument("action", choices=["list", "show", "replay"])
    dlq.add_argument("refs", nargs="*", metavar="REF", help="letters by partition:offset, as `dlq list` prints")
    dlq.add_argument("--stage", choices=[stage.value for stage in Stage], help="list/replay: only this stage")
    dlq.add_argument("--all", action="store_true", help="replay: every letter held")
    dlq.add_argument("--limit", type=int, default=20, help="list: how many, newest first")
    dlq.add_argument("--json", action="store_true", help="list: one JSON object per letter (payload left out)")
    dlq.add_argument("--dry-run", action="store_true", help="replay: only say what would be replayed")
    dlq.add_argument("--quarantined", action="store_true",
                     help="list: letters quarantined after failing NEWSFLOW_DLQ_MAX_ATTEMPTS times")  # fmt: skip
    dlq.set_defaults(handler=cmd_dlq)

    stories = commands.add_parser("stories", help="the top stories of the last hours: articles, outlets, first seen")
    stories.add_argument("--hours", type=float, default=24.0, help="stories seen in this many hours (default 24)")
    stories.add_argument("--size", type=int, default=20)
    stories.add_argument("--json", action="store_true", help="one JSON document per story")
    stories.set_defaults(handler=cmd_stories)

    story = commands.add_parser("story", help="one story's timeline: its articles oldest first")
    story.add_argument("id", metavar="ID", help="a story id, as `newsflow stories` prints it")
    story.add_argument("--size", type=int, default=200, help="at most this many articles")
    story.add_argument("--json", action="store_true", help="the story and its articles as one JSON document")
    story.set_defaults(handler=cmd_story)

    versions = commands.add_parser("versions", help="an article's earlier texts: when, and what changed")
    versions.add_argument("id", metavar="ARTICLE_ID")
    versions.add_argument("--json", action="store_true", help="one JSON document per earlier version")
    versions.set_defaults(handler=cmd_versions)

    search_parser = commands.add_parser("search", help="full-text search over the news alias")
    search_parser.add_argument("query", nargs="+")
    search_parser.add_argument("--json", action="store_true", help="one JSON document per line")
    search_parser.add_argument("--size", type=int, default=10)
    search_parser.set_defaults(handler=cmd_search)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    from services.common.settings import describe_invalid

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ValidationError as error:  # a settings class refused the environment
        return _fail(describe_invalid(error), 2)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # stdout closed early (`newsflow process … | head`)
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
