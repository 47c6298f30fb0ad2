"""Generated bad input (hypothesis, 1,300 cases per run): every entry point answers with an article, a dead
letter or a clean error — never an unexpected exception.

Each property draws from what breaks news pipelines in practice: malformed and hostile feeds, broken and
enormous HTML, wrong and mixed encodings, binary data, empty documents, invalid JSONL and messages that
violate the schema. Runs are derandomised, so CI sees the same cases every time.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import CleanArticle, DeadLetter, EnrichedArticle, InvalidMessage, RawArticle, decode
from schemas.codec import MessageOrigin
from services.fetcher.feeds import FeedError, parse_feed, parse_sitemap
from services.fetcher.inputs import InputError, read_file
from services.processor.stages import clean_message, enrich_messages

ORIGIN = MessageOrigin(source_topic="news.raw", partition=0, offset=0, key=None)


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ------------------------------------------------------------------------------------ strategies

TAGS = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<script>",
    "</script>",
    "<!--",
    "-->",
    "<br>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "<",
]

html_soup = st.lists(st.one_of(st.sampled_from(TAGS), st.text(max_size=80)), max_size=60).map("".join)
encodings = st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16", "utf-16-le", "cp1256", "koi8-r", "shift_jis"])


@st.composite
def wrongly_encoded(draw: st.DrawFn) -> bytes:
    """Text in some encoding, perhaps with a BOM or truncated mid-character, perhaps two encodings mixed."""
    text = draw(st.text(min_size=0, max_size=400))
    data = text.encode(draw(encodings), errors="replace")
    if draw(st.booleans()):
        data += draw(st.text(max_size=100)).encode(draw(encodings), errors="replace")
    if data and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"])) + data


enormous_html = st.integers(1, 4).map(lambda n: b"<html><body>" + b"<div><p>word " * (60_000 * n) + b"</body></html>")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@st.composite
def schema_violations(draw: st.DrawFn) -> bytes:
    """A RawArticle-shaped JSON object with one or more fields wrong, missing or extra."""
    article: dict[str, object] = {
        "url": draw(st.sampled_from(["https://wire.example/a", "not a url", "", "ftp://x", "javascript:alert(1)"])),
        "title": draw(st.one_of(st.none(), st.text(max_size=50), st.integers())),
        "text": draw(st.one_of(st.none(), html_soup, st.integers(), st.lists(st.text(max_size=5), max_size=3))),
        "html": draw(st.one_of(st.none(), html_soup)),
        "published_at": draw(st.one_of(st.none(), st.text(max_size=30), st.integers())),
    }
    for key in draw(st.lists(st.sampled_from(list(article)), max_size=3)):
        article.pop(key, None)
    article.update(draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3)))
    return json.dumps(article).encode()


raw_messages = st.one_of(
    st.binary(max_size=3000),
    wrongly_encoded(),
    schema_violations(),
    json_values.map(lambda value: json.dumps(value).encode()),
    html_soup.map(
        lambda html: RawArticle(url="https://wire.example/soup", html=html or "<p></p>").model_dump_json().encode()
    ),
    st.just(b""),
)

FEED = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
    "<item><title>One</title><link>https://wire.example/1</link><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>"
    "<item><title>Two</title><link>https://wire.example/2</link></item></channel></rss>"
)


@st.composite
def broken_feeds(draw: st.DrawFn) -> bytes:
    """A real feed cut, spliced, re-encoded or given an entity declaration; or no feed at all."""
    kind = draw(st.sampled_from(["cut", "splice", "entity", "encoding", "binary", "html"]))
    if kind == "cut":
        return FEED.encode()[: draw(st.integers(0, len(FEED)))]
    if kind == "splice":
        at = draw(st.integers(0, len(FEED)))
        return (FEED[:at] + draw(st.sampled_from([*TAGS, "<item>", "</channel>", "\x00"])) + FEED[at:]).encode()
    if kind == "entity":
        return ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + "x" * 50 + '">]>' + FEED[21:]).encode()
    if kind == "encoding":
        return FEED.encode(draw(st.sampled_from(["utf-16", "cp1252", "utf-32"])))
    if kind == "html":
        return draw(html_soup).encode()
    return draw(st.binary(max_size=2000))


# ------------------------------------------------------------------------------------ properties


@fuzz(400)
@given(raw_messages)
def test_the_clean_stage_refuses_exactly_the_invalid_messages_and_cleans_or_refuses_the_rest_for_a_reason(
    value: bytes,
) -> None:
    try:
        decode(RawArticle, value)
        valid = True
    except InvalidMessage:
        valid = False
    outcome = clean_message(value, ORIGIN)
    if not valid:
        assert isinstance(outcome, DeadLetter) and outcome.error_class == "InvalidMessage"
        assert outcome.reason and outcome.stage == "clean" and outcome.source_topic == "news.raw"
    elif isinstance(outcome, DeadLetter):
        # A valid message is refused only for having no text, never by an exception the catch-all swallowed.
        assert outcome.error_class == "CleaningError", outcome.reason
    else:
        assert outcome.body.strip()


@fuzz(30)
@given(enormous_html)
def test_enormous_pages_are_cleaned_or_refused_never_crash(value: bytes) -> None:
    message = RawArticle(url="https://wire.example/huge", html=value.decode()).model_dump_json().encode()
    outcome = clean_message(message, ORIGIN)
    assert isinstance(outcome, CleanArticle), f"an enormous page of words is still an article: {outcome}"
    assert 0 < len(outcome.body) <= 200_000


@fuzz(300)
@given(broken_feeds())
def test_a_broken_or_hostile_feed_is_a_feed_error_never_a_crash(data: bytes) -> None:
    for parse in (parse_feed, lambda d: parse_sitemap(d)):
        try:
            parsed = parse(data)
        except FeedError as error:
            assert str(error)
        else:
            assert all(entry.url.startswith("http") for entry in parsed.entries)


@fuzz(250)
@given(
    st.sampled_from([".jsonl", ".txt", ".html", ".jsonl.gz", ".pdf"]),
    st.one_of(
        st.binary(max_size=2000),
        wrongly_encoded(),
        st.lists(st.one_of(schema_violations(), st.binary(max_size=100), st.just(b"")), max_size=8).map(b"\n".join),
    ),
)
def test_an_input_file_yields_articles_and_reasons_never_an_exception(suffix: str, content: bytes) -> None:
    with TemporaryDirectory() as directory:
        path = Path(directory) / f"input{suffix}"
        path.write_bytes(content)
        items = list(read_file(path))
    for item in items:
        assert isinstance(item, RawArticle | InputError)
        if isinstance(item, InputError):
            assert item.reason


@fuzz(120)
@given(
    st.lists(
        st.one_of(st.binary(max_size=500), schema_violations(), json_values.map(lambda v: json.dumps(v).encode())),
        min_size=1,
        max_size=4,
    )
)
def test_the_enrich_stage_answers_each_message_of_a_batch(values: list[bytes | None]) -> None:
    outcomes = enrich_messages(values, [ORIGIN] * len(values))
    assert len(outcomes) == len(values)
    assert all(isinstance(outcome, DeadLetter) and outcome.stage == "enrich" for outcome in outcomes)


@fuzz(200)
@given(st.one_of(st.binary(max_size=1000), schema_violations(), json_values.map(lambda v: json.dumps(v).encode())))
def test_the_indexer_refuses_an_invalid_message_with_invalid_message(value: bytes) -> None:
    with pytest.raises(InvalidMessage) as refused:
        decode(EnrichedArticle, value)
    assert str(refused.value)
