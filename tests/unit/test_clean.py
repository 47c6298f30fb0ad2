"""Cleaning: wire-story boilerplate out, the story's every sentence in, datelines and related links as fields."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import Dateline, DeadLetter, RawArticle, Stage
from services.processor.clean import CleaningError, clean, normalize_text, parse_dateline, strip_wire_boilerplate
from services.processor.stages import clean_message


@pytest.mark.parametrize(
    ("paragraph", "city", "agency", "rest"),
    [
        ("Tehran(IP) - Iran's Secretary met", "Tehran", "Iran Press", "Iran's Secretary met"),
        ("Bishkek(IP): The secretaries", "Bishkek", "Iran Press", "The secretaries"),
        ("ALMATY (Reuters) — Kazakhstan said", "Almaty", "Reuters", "Kazakhstan said"),
        ("NEW YORK (AP) - Stocks rose", "New York", "Associated Press", "Stocks rose"),
    ],
)
def test_datelines_are_parsed_into_city_and_agency(paragraph, city, agency, rest):
    dateline, remainder = parse_dateline(paragraph)
    assert dateline == Dateline(city=city, agency=agency)
    assert remainder == rest


def test_a_sentence_with_parentheses_is_not_a_dateline():
    assert parse_dateline("The council (SNSC) met today.") == (None, "The council (SNSC) met today.")


def test_glued_agency_prefix_is_removed_without_eating_the_sentence():
    parts = strip_wire_boilerplate("Iran PressIran news: Vice President Mossadeghov met Shamkhani.")
    assert parts.body == "Vice President Mossadeghov met Shamkhani."
    parts = strip_wire_boilerplate("Iran PressAsia: According to Iran press, Ali Akbar Ahmadian said so.")
    assert parts.body == "Ali Akbar Ahmadian said so."


def test_related_news_lines_and_read_more_trailers_become_related_headlines():
    text = (
        "First paragraph of the story.\n\nRelated News: Minister arrives in Tehran\n\n"
        "Second paragraph.\n\n206\n\nRead More:\n\nIran, Russia confer\n\nAnother headline"
    )
    parts = strip_wire_boilerplate(text)
    assert parts.body == "First paragraph of the story.\n\nSecond paragraph."
    assert parts.related_headlines == ["Minister arrives in Tehran", "Iran, Russia confer", "Another headline"]


def test_subheadings_inside_the_story_are_kept():
    text = "Lead sentence here.\n\nTensions in the region\n\nMore of the story follows."
    assert (
        strip_wire_boilerplate(text).body
        == "Lead sentence here.\n\nTensions in the region\n\nMore of the story follows."
    )


def test_normalisation_keeps_paragraphs_and_folds_odd_spaces():
    text = "Caf\u0065\u0301\u00a0au\u2009lait\u200b here.\r\nsame paragraph\n\n\n\nnext"
    assert normalize_text(text) == "Café au lait here. same paragraph\n\nnext"


def test_html_is_extracted_with_its_metadata():
    html = """<html><head><title>Floods close roads - Example News</title>
    <meta property="article:published_time" content="2024-02-15T09:00:00Z">
    <meta name="author" content="Jane Doe"></head><body><nav>Home | World | Sport</nav>
    <article><h1>Floods close roads</h1>
    <p>Heavy rain closed dozens of roads across the region on Thursday, officials said.</p>
    <p>Emergency crews worked through the night to clear debris and help stranded drivers.</p>
    </article><footer>Copyright Example News</footer></body></html>"""
    article = clean(RawArticle(url="https://news.example.org/floods", html=html))
    assert "Heavy rain closed dozens of roads" in article.body
    assert "Copyright" not in article.body and "Home | World" not in article.body
    assert article.extraction_method == "trafilatura"
    assert article.published_at == datetime(2024, 2, 15, 9, 0, tzinfo=UTC)
    assert article.title == "Floods close roads"


def test_an_article_with_no_text_left_is_a_cleaning_error():
    with pytest.raises(CleaningError):
        clean(RawArticle(url="https://example.org/1", html="<html><body><script>x()</script></body></html>"))


def test_a_bad_message_becomes_a_dead_letter_for_the_clean_stage():
    letter = clean_message(b'{"url": "https://example.org/1"}', {"source_topic": "news.raw", "offset": 3})
    assert isinstance(letter, DeadLetter)
    assert (letter.stage, letter.source_topic, letter.offset) == (Stage.CLEAN, "news.raw", 3)
    assert "non-empty 'text' or 'html'" in letter.reason


def test_an_enormous_body_is_truncated_and_flagged():
    from services.processor.clean import MAX_BODY_CHARS

    text = "Lead paragraph of a very long report.\n\n" + ("word " * 60_000)
    article = clean(RawArticle(url="https://example.org/long", text=text))
    assert article.truncated and len(article.body) <= MAX_BODY_CHARS


def test_an_oversized_message_becomes_a_dead_letter():
    huge = RawArticle.model_construct(url="https://example.org/huge", text="x" * 6_000_000).model_dump_json()
    letter = clean_message(huge.encode(), {"source_topic": "news.raw", "offset": 1})
    assert isinstance(letter, DeadLetter) and letter.stage == Stage.CLEAN
    assert "text" in letter.reason and "at most" in letter.reason


def test_a_byline_in_plain_text_becomes_the_authors():
    article = clean(
        RawArticle(url="https://example.org/b", text="By Jane Doe and John Roe\n\nRain fell all day in the capital.")
    )
    assert article.authors == ["Jane Doe", "John Roe"]
    assert article.body == "Rain fell all day in the capital."


def test_the_pages_own_date_wins_over_the_feed_date():
    html = """<html><head><meta property="article:published_time" content="2024-02-15T09:00:00Z"></head>
    <body><article><p>Heavy rain closed dozens of roads across the region on Thursday, officials said, and
    emergency crews worked through the night to clear debris and help stranded drivers reach safety.</p>
    </article></body></html>"""
    feed_date = datetime(2024, 2, 16, tzinfo=UTC)
    article = clean(RawArticle(url="https://news.example.org/x", html=html, published_at=feed_date))
    assert article.published_at == datetime(2024, 2, 15, 9, 0, tzinfo=UTC)


def test_quotes_follow_the_articles_own_style():
    from services.processor.clean import consistent_quotes

    assert consistent_quotes("“Rain,” she said. It’s Iran's “worst” flood.") == (
        "“Rain,” she said. It’s Iran’s “worst” flood."
    )
    assert consistent_quotes('"Rain," she said. It\'s the "worst" flood, it’s true.') == (
        '"Rain," she said. It\'s the "worst" flood, it\'s true.'
    )
    assert consistent_quotes("No quotes at all.") == "No quotes at all."


def test_a_publication_date_after_the_fetch_is_dropped_and_the_fetch_time_stands():
    fetched = datetime(2026, 11, 20, 12, tzinfo=UTC)
    future = RawArticle(url="https://e.org/1", title="Talks", text="Talks went on.", fetched_at=fetched,
                        published_at=datetime(9999, 12, 31, tzinfo=UTC))  # fmt: skip
    assert clean(future).published_at is None
    claimed = '<meta property="article:published_time" content="2099-01-01T00:00:00Z">'
    page = RawArticle(url="https://e.org/2", fetched_at=fetched, html=f"{claimed}<p>Talks went on.</p>")
    assert clean(page).published_at is None
    today = future.model_copy(update={"published_at": fetched.replace(hour=9)})
    assert clean(today).published_at == fetched.replace(hour=9)


def test_control_characters_and_escape_sequences_are_stripped_from_title_and_body():
    raw = RawArticle(
        url="https://e.org/3",
        title="Markets\x1b[2J\x1b[H rally\x07",
        text="Stocks rose\x1b]0;owned\x07 on Monday.\x00\r\nTraders\x9b31m cheered.\r\rA\x08 third line.",
    )
    article = clean(raw)
    assert article.title == "Markets rally"
    assert article.body == "Stocks rose on Monday.\n\nTraders cheered.\n\nA third line."


def test_a_strip_of_teasers_for_other_stories_is_page_furniture_not_the_story():
    strip = ("BRAIN BUG Ancient virus could be responsible for human ability to think HATS OFF Nintendo reveals TRUTH "
             "about Toad's mushroom head WATCH OUT This cheeky clone costs £70")  # fmt: skip
    story = ("The craft landed on Monday.\n\nNASA and ESA cheered. The BBC NEWS team and the NEW YORK TIMES were "
             "there.\n\nOfficials of the US CDC, UK HSA and EU ECDC met.")  # fmt: skip
    parts = strip_wire_boilerplate(f"{story}\n\n{strip}")
    assert parts.body == story and parts.related_headlines == [], "two capitals runs in prose are still the story"
    assert strip_wire_boilerplate("SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT").body.startswith("SOCCER")


def test_a_newsletter_sign_up_form_flattened_into_text_is_page_furniture():
    form = ("Sign up for The Interpreter Subscribe for insights from columnists Max Fisher and Amanda Taub. Please "
            "verify you're not a robot by clicking the box. Invalid email address. Please re-enter.")  # fmt: skip
    privacy = ("The bank said customers must re-enter their email address after the breach, and that its privacy "
               "policy and newsletter were unchanged.")  # fmt: skip
    parts = strip_wire_boilerplate(f"The storm hit Texas.\n\n{form}\n\n{privacy}")
    assert parts.body == f"The storm hit Texas.\n\n{privacy}", "a story about a privacy policy stays"


def test_a_newsrooms_call_for_tips_is_page_furniture_but_a_story_about_tips_is_not():
    tips = ("We pay for your stories! Do you have a story for The Sun Online news team? Email us at tips@the-sun.co.uk "
            "or call 0207 782 4368 . We pay for videos too. Click here to upload yours.")  # fmt: skip
    story = "Do you have a story for the inquiry? the judge asked the witness, who said the tabloid paid her."
    parts = strip_wire_boilerplate(f"The sanctions tightened.\n\n{tips}\n\n{story}")
    assert parts.body == f"The sanctions tightened.\n\n{story}"


def test_a_bare_read_more_label_before_more_story_is_dropped_and_before_headlines_starts_the_list():
    story = (
        "The festival will have a safe zone.\nRead more\nPolice proposed the idea, organisers said, after a "
        "year in which the city saw dozens of complaints and the state asked for a plan before the holidays."
    )
    parts = strip_wire_boilerplate(story)
    assert parts.body.split("\n\n")[1].startswith("Police proposed the idea") and parts.related_headlines == []
    listed = "The festival will have a safe zone.\nRead more:\nPanda rumours denied\nRare tiger dies at zoo"
    parts = strip_wire_boilerplate(listed)
    assert parts.body == "The festival will have a safe zone."
    assert parts.related_headlines == ["Panda rumours denied", "Rare tiger dies at zoo"]
    both = story + "\nRead more\nPanda rumours denied\nRare tiger dies at zoo"
    parts = strip_wire_boilerplate(both)
    assert parts.body.endswith("before the holidays.") and parts.related_headlines[-1] == "Rare tiger dies at zoo"


def test_a_transcripts_stage_directions_are_not_the_story():
    text = ("The delay bothered the minister.\n(SOUNDBITE OF ARCHIVED RECORDING)\nNELSON: He was flabbergasted.\n"
            "(LAUGHTER)\nShe said (SOUNDBITE OF THE CROWD) was a band's name.")  # fmt: skip
    assert strip_wire_boilerplate(text).body.split("\n\n") == [
        "The delay bothered the minister.",
        "NELSON: He was flabbergasted.",
        "She said (SOUNDBITE OF THE CROWD) was a band's name.",
    ]


def test_a_read_more_link_inside_the_text_is_a_related_headline_not_the_story():
    text = "The zoo closed.\n\nREAD MORE: 2 lions killed in Chile zoo as they maul man\n\nKeepers said it was calm."
    parts = strip_wire_boilerplate(text)
    assert parts.body == "The zoo closed.\n\nKeepers said it was calm."
    assert parts.related_headlines == ["2 lions killed in Chile zoo as they maul man"]


def test_the_publishers_rights_notice_and_the_fine_print_after_it_are_not_the_story():
    story = "The flight landed in 2017.\n\nCopyright lawyers said the case was new."
    notice = (
        "Copyright © 2018 NPR. All rights reserved. Visit our website terms of use.\n\n"
        "NPR transcripts are created on a rush deadline by Verb8tm, Inc., an NPR contractor."
    )
    assert strip_wire_boilerplate(f"{story}\n\n{notice}").body == story, "a story's own 'Copyright …' stays"
    wire = "Snow kept falling.\n\nCopyright 2017 The Associated Press. This material may not be published."
    assert strip_wire_boilerplate(wire).body == "Snow kept falling."


def test_a_picture_agencys_credit_glued_to_its_caption_is_not_the_story():
    text = "Getty Images The Brazilian is retiring from F1.\n\nReuters Every 29.5 days, we see the full moon."
    expected = "The Brazilian is retiring from F1.\n\nEvery 29.5 days, we see the full moon."
    assert strip_wire_boilerplate(text).body == expected
    story = "Reuters reported the deal on Monday.\n\nEPA Administrator Scott Pruitt said it would stand."
    assert strip_wire_boilerplate(story).body == story, "an agency as the subject, the US EPA: both stay"


def test_a_storys_own_copyright_sentence_and_an_agencys_own_names_stay():
    story = "Artists protested.\n\nCopyright 2019 reforms were meant to help artists, Voss said.\n\nThe vote is in May."
    assert strip_wire_boilerplate(story).body == story
    ceo = "Getty Images CEO Craig Peters said sales rose.\n\nReuters Institute research found trust fell."
    assert strip_wire_boilerplate(ceo).body == ceo
