"""The rules that turn model mentions into entities, on hand-made mentions (no model needed)."""

from __future__ import annotations

import pytest

from schemas import EntityType
from services.processor.entities import (
    RELATED_SEPARATOR,
    RELATED_WEIGHT,
    Mention,
    acronyms_in,
    clean_name,
    entity_spans,
    load_pipeline,
    missed_names,
    related_mentions,
    resolve,
    truecase_shouting,
)
from services.processor.entities.given_names import a_persons_name
from services.processor.entities.model import joined_spans, mentions_of, speaker_names
from tests.conftest import SAMPLES


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Rear Admiral Ali Shamkhani", EntityType.PERSON, ("Ali Shamkhani", EntityType.PERSON)),
        ("President Ebrahim Raisi's", EntityType.PERSON, ("Ebrahim Raisi", EntityType.PERSON)),
        ("the Supreme National Security Council", EntityType.ORGANIZATION,
         ("Supreme National Security Council", EntityType.ORGANIZATION)),
        ("Rear Admiral Shamkhani", EntityType.ORGANIZATION, ("Shamkhani", EntityType.PERSON)),
        ("Representative", EntityType.LOCATION, None),
        ("Minister of Foreign Affairs", EntityType.ORGANIZATION, None),
        ("Iran Press", EntityType.ORGANIZATION, None),
        ("Kyrgyz\u00a0Republic", EntityType.LOCATION, ("Kyrgyz Republic", EntityType.LOCATION)),
        ("the U.S.", EntityType.LOCATION, ("U.S.", EntityType.LOCATION)),  # the full stop is the name's
        ("G. Kersey 63", EntityType.PERSON, ("G. Kersey", EntityType.PERSON)),  # a results table's score
        ("H. Morris", EntityType.ORGANIZATION, ("H. Morris", EntityType.PERSON)),  # initial and surname: a person
        ("Xinhua news agency", EntityType.ORGANIZATION, None),
        ("First Albany Corp.", EntityType.ORGANIZATION, ("First Albany Corp.", EntityType.ORGANIZATION)),
        ("Interfax news agency", EntityType.ORGANIZATION, ("Interfax", EntityType.ORGANIZATION)),
        ("ABC News", EntityType.ORGANIZATION, ("ABC News", EntityType.ORGANIZATION)),  # a name, not a credit
    ],
)  # fmt: skip
def test_names_lose_titles_articles_possessives_and_agencies(text, label, expected):
    assert clean_name(text, label) == expected


def test_acronyms_defined_by_the_text_are_found_with_their_exact_expansion():
    text = "Iran's Supreme National Security Council (SNSC) met the IAEA (International Atomic Energy Agency)."
    assert acronyms_in(text) == {
        "SNSC": "Supreme National Security Council",
        "IAEA": "International Atomic Energy Agency",
    }


def test_mentions_of_one_person_and_one_place_merge_and_the_gazetteer_fixes_types():
    text = "Talaatbek Mossadeghov visited Bishkek. Mossadeghov said Bishkek was ready."
    mentions = [
        Mention("Talaatbek Mossadeghov", "PERSON", 0, 3.0),
        Mention("Bishkek", "GPE", 30),
        Mention("Mossadeghov", "PERSON", 39),
        Mention("Bishkek", "PERSON", 56),  # the model's mistake
    ]
    entities = {entity.name: entity for entity in resolve(mentions, text)}
    assert set(entities) == {"Talaatbek Mossadeghov", "Bishkek"}
    assert entities["Talaatbek Mossadeghov"].aliases == ["Mossadeghov"]
    assert entities["Talaatbek Mossadeghov"].salience == 1.0 and entities["Bishkek"].salience < 1.0
    assert entities["Bishkek"].type is EntityType.LOCATION and entities["Bishkek"].mentions == 2


def test_a_company_by_its_short_name_is_the_company_the_text_names_in_full_not_a_town_of_that_name():
    text = "A bird boarded a Delta Air Lines flight. The Delta crew landed. Qatar Airways flew over Qatar."
    spans = [("Delta Air Lines", "ORG"), ("Delta", "GPE"), ("Qatar Airways", "ORG"), ("Qatar", "GPE")]
    mentions = [Mention(name, label, text.index(name if name != "Delta" else "Delta crew")) for name, label in spans]
    entities = {entity.name: entity for entity in resolve(mentions, text)}
    assert entities["Delta Air Lines"].type is EntityType.ORGANIZATION and entities["Delta Air Lines"].aliases == [
        "Delta"
    ]
    assert entities["Qatar"].type is EntityType.LOCATION, "a country stays itself beside its airline"
    assert "Delta" not in entities


def test_a_state_a_region_or_a_person_with_a_companys_short_name_stays_itself():
    text = (
        "Alaska Airlines cancelled flights. Alaska's governor spoke. Bill Ford said Ford Motor Co would grow; "
        "Ford added."
    )
    spans = [("Alaska Airlines", "ORG"), ("Alaska", "GPE"), ("Bill Ford", "PERSON"), ("Ford Motor Co", "ORG")]
    mentions = [*(Mention(name, label, text.index(name)) for name, label in spans)]
    mentions += [Mention("Ford", "PERSON", text.rindex("Ford"))]
    entities = {entity.name: entity.type for entity in resolve(mentions, text)}
    assert entities["Alaska"] is EntityType.LOCATION and entities["Alaska Airlines"] is EntityType.ORGANIZATION
    assert entities["Bill Ford"] is EntityType.PERSON and entities["Ford Motor Co"] is EntityType.ORGANIZATION


def test_two_people_sharing_a_surname_keep_the_surname_apart():
    mentions = [Mention("Ali Khamenei", "PERSON", 0), Mention("Mojtaba Khamenei", "PERSON", 20),
                Mention("Khamenei", "PERSON", 40)]  # fmt: skip
    assert {e.name for e in resolve(mentions, "")} == {"Ali Khamenei", "Mojtaba Khamenei", "Khamenei"}


def test_shouted_headlines_take_the_case_the_text_uses():
    headline = truecase_shouting("JAPAN BEAT SYRIA IN ASIAN CUP\nJapan beat Syria.").split("\n")[0]
    assert headline == "Japan beat Syria In Asian Cup", "words the text writes in lower case stay so"
    dateline = truecase_shouting("Fighting goes on\nCOLOMBO 1996-08-30\nTroops in Colombo said.").split("\n")[1]
    assert dateline == "Colombo 1996-08-30", "a short line of capitals too"


def _mentions_in(text: str, *spans: tuple[str, str]) -> list[Mention]:
    return [Mention(name, label, text.index(name)) for name, label in spans]


def test_a_name_the_text_gives_a_person_stays_a_person_though_a_town_has_it():
    text = "President Clinton spoke. Clinton said the tax plan would pass."
    mentions = [Mention("Clinton", "PERSON", 10), Mention("Clinton", "PERSON", 25)]
    (entity,) = resolve(mentions, text)
    assert (entity.name, entity.type) == ("Clinton", EntityType.PERSON)
    bare = "Officials in Clinton said the road was closed."
    assert resolve([Mention("Clinton", "PERSON", 13)], bare)[0].type is EntityType.LOCATION, "no person: the town"
    country = "Jordan Henderson scored. Officials in Jordan said so."
    mentions = [Mention("Jordan Henderson", "PERSON", 0), Mention("Jordan", "PERSON", country.rindex("Jordan"))]
    assert {e.name: e.type for e in resolve(mentions, country)}["Jordan"] is EntityType.LOCATION, "the country"
    given = "Harvey Weinstein denied it. Harvey was not there, said Neil Jordan, who flew to Jordan."
    mentions = [
        Mention("Harvey Weinstein", "PERSON", 0),
        Mention("Harvey", "PERSON", given.index("Harvey was")),
        Mention("Neil Jordan", "PERSON", given.index("Neil Jordan")),
        Mention("Jordan", "GPE", given.rindex("Jordan")),
    ]
    entities = resolve(mentions, given)
    assert {(e.name, e.type, tuple(e.aliases)) for e in entities} == {
        ("Harvey Weinstein", EntityType.PERSON, ("Harvey",)),
        ("Neil Jordan", EntityType.PERSON, ()),
        ("Jordan", EntityType.LOCATION, ()),
    }


def test_towns_in_results_lines_are_their_clubs_and_countries_stay_places():
    text = "Results\nSeattle 9 Baltimore 6\nSurrey beat Warwickshire by an innings.\nJapan 2 Syria 1\nSeattle is rainy."
    mentions = _mentions_in(text, ("Seattle", "GPE"), ("Baltimore", "GPE"), ("Surrey", "GPE"),
                            ("Warwickshire", "GPE"), ("Japan", "GPE"), ("Syria", "GPE"))  # fmt: skip
    types = {entity.name: entity.type for entity in resolve(mentions, text)}
    assert types == {"Seattle": EntityType.ORGANIZATION, "Baltimore": EntityType.ORGANIZATION,
                     "Surrey": EntityType.ORGANIZATION, "Warwickshire": EntityType.ORGANIZATION,
                     "Japan": EntityType.LOCATION, "Syria": EntityType.LOCATION}  # fmt: skip
    datelines = ["Kabul 15 February 2024 - 30 people died.", "Tehran 26 Bahman 1402 - 30 people met."]
    for prose in ["The Seattle council met 3 times in 2024.", *datelines]:
        city = prose.split()[1] if prose.startswith("The") else prose.split()[0]
        assert resolve(_mentions_in(prose, (city, "GPE")), prose)[0].type is EntityType.LOCATION, prose


def test_entity_spans_read_from_the_tag_array_are_the_models_own():
    nlp = load_pipeline()
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]
    texts += ["", "Paris", "The U.N. met in New York. Ali Shamkhani (SNSC) spoke", "NATO NATO NATO"]
    for doc in nlp.pipe(texts):
        expected = [(span.text, span.label_, span.start_char, span.end_char) for span in doc.ents]
        assert entity_spans(doc) == expected


def test_the_names_heading_table_rows_are_found_where_the_model_saw_none():
    text = (
        "Standings after Saturday's matches:\n"
        "Stoke 4 3 1 0 7 4 10\n"
        "3. Queens Park Rangers 3 2 1 0 5 3 7\n"
        "Germany 2 1 1 0 3 1 4\n"
        "D. Blenkiron 4-43 2\n"
        "The club won 3 of its 4 games\n"
    )
    covered = [(text.index("Germany"), text.index("Germany") + 7)]  # the model's own span
    assert missed_names(text, covered) == [
        ("D. Blenkiron", "PERSON", text.index("D. Blenkiron")),
        ("Stoke", "ORG", text.index("Stoke")),
        ("Queens Park Rangers", "ORG", text.index("Queens")),
    ]


def test_a_span_the_model_ran_over_several_names_gives_one_entity_per_name():
    text = "Soccer - Shearer named captain\nBreen, McLoughlin and Harte start.\nBradford 1 Tranmere 0\nsoccer news"
    mentions = _mentions_in(text, ("Soccer - Shearer", "PERSON"), ("Breen, McLoughlin", "PERSON"),
                            ("Bradford 1 Tranmere", "ORG"))  # fmt: skip
    names = {entity.name: entity.type for entity in resolve(mentions, text)}
    # "Soccer" goes: the text writes it in lower case, so it is a word, not a name.
    assert names == {"Shearer": EntityType.PERSON, "Breen": EntityType.PERSON,
                     "McLoughlin": EntityType.PERSON, "Bradford": EntityType.ORGANIZATION,
                     "Tranmere": EntityType.ORGANIZATION}  # fmt: skip


def test_a_number_after_a_name_in_a_paragraph_of_prose_stays_in_the_name():
    text = (
        "A reporter for CNN affiliate France 2 spoke to 15 witnesses inside the hotel, where police had sealed"
        " off the lobby, the bar and the stairs before they let 3 guests leave."
    )
    (entity,) = resolve(_mentions_in(text, ("France 2", "ORG")), text)
    assert entity.name == "France 2"


def test_a_word_seen_in_lower_case_only_inside_a_link_is_still_a_name():
    text = "She said on Twitter: pic.twitter.com/tXwFqqSx3c"
    assert [entity.name for entity in resolve(_mentions_in(text, ("Twitter", "ORG")), text)] == ["Twitter"]


def test_figures_the_model_took_into_a_name_are_left_out():
    text = "Bucharest 1996-08-30\nKent 108-3, Surrey 429-7 (C. Lewis 80)\nChannel 4 showed it."
    mentions = _mentions_in(text, ("Bucharest 1996-08-30", "ORG"), ("Kent 108-3", "ORG"), ("Channel 4", "ORG"))
    names = {entity.name: entity.type for entity in resolve(mentions, text)}
    assert names == {"Bucharest": EntityType.LOCATION, "Kent": EntityType.ORGANIZATION,
                     "Channel 4": EntityType.ORGANIZATION}, "a number in prose is part of the name"  # fmt: skip


def test_a_capitalised_word_the_text_also_writes_in_lower_case_is_not_a_name():
    text = "Schedule\nThe schedule was changed. Sales rose; sales of NATO kit too. Reading signed a striker."
    mentions = _mentions_in(text, ("Schedule", "ORG"), ("Sales", "ORG"), ("NATO", "ORG"), ("Reading", "ORG"))
    assert {entity.name for entity in resolve(mentions, text)} == {"NATO", "Reading"}


def test_in_a_sports_story_a_town_is_its_club_and_also_the_place_where_it_plays():
    text = "Leeds signed Smith on Friday. The deal was agreed in Leeds, and Leeds host Chelsea at home."
    starts = [0, text.index("in Leeds") + 3, text.rindex("Leeds")]
    mentions = [Mention("Leeds", "GPE", start) for start in starts] + [Mention("Chelsea", "GPE", text.index("Chelsea"))]
    sport = sorted((entity.name, entity.type.value, entity.mentions) for entity in resolve(mentions, text, sport=True))
    assert sport == [("Chelsea", "organization", 1), ("Leeds", "location", 1), ("Leeds", "organization", 2)]
    other = {(entity.name, entity.type) for entity in resolve(mentions, text)}
    assert other == {("Leeds", EntityType.LOCATION), ("Chelsea", EntityType.LOCATION)}, "elsewhere, places"


def test_a_surname_the_model_took_for_an_organisation_joins_the_persons_full_name():
    text = "Alan Shearer was named captain. Shearer said he was proud to lead England. Shearer smiled."
    mentions = _mentions_in(text, ("Alan Shearer", "PERSON"), ("Shearer", "ORG"), ("England", "GPE"))
    mentions.append(Mention("Shearer", "ORG", text.rindex("Shearer")))
    entities = {entity.name: entity for entity in resolve(mentions, text)}
    assert set(entities) == {"Alan Shearer", "England"}, "a person though the surname alone was typed more often"
    assert entities["Alan Shearer"].mentions == 3 and entities["Alan Shearer"].type is EntityType.PERSON


def test_one_word_with_a_score_after_it_on_a_results_line_is_a_team_unless_it_is_a_surname():
    text = "Sussex 363 ( W. Athey 111 ) , Lancashire 197-8\nAthey 45 not out , Sussex 2 points"
    mentions = _mentions_in(text, ("Sussex", "PERSON"), ("W. Athey", "PERSON"), ("Lancashire", "ORG"))
    mentions.append(Mention("Athey", "PERSON", text.index("Athey 45")))
    types = {entity.name: entity.type for entity in resolve(mentions, text)}
    assert types == {"Sussex": EntityType.ORGANIZATION, "W. Athey": EntityType.PERSON,
                     "Lancashire": EntityType.ORGANIZATION}  # fmt: skip


@pytest.mark.parametrize("dateline", ["MILWAUKEE, Wisconsin 1996-08-30", "MILWAUKEE, Aug 30 (Reuters) -",
                                      "MILWAUKEE(IP) -", "MILWAUKEE 1996-08-30"])  # fmt: skip
def test_the_town_of_a_sports_storys_dateline_is_a_place(dateline):
    text = f"{dateline}\nThe home side won the match 3-1."
    (entity,) = resolve([Mention("MILWAUKEE", "ORG", 0)], text, sport=True)
    assert entity.type is EntityType.LOCATION


def test_players_after_shirt_numbers_or_seedings_are_persons_but_teams_after_scores_are_not():
    text = (
        "Teams:\n"
        "France - 1 - Bernard Lama ; 2 - Lilian Thuram ( 14 - Sabri Lamouchi 87th ) , 5 - Laurent Blanc\n"
        "Men's singles, second round 1 - Pete Sampras ( U.S. ) beat Jiri Novak\n"
        "Arsenal 2 - Aston Villa 1\n"
    )
    found = [(name, label) for name, label, _ in missed_names(text, [])]
    assert found == [("Bernard Lama", "PERSON"), ("Lilian Thuram", "PERSON"), ("Sabri Lamouchi", "PERSON"),
                     ("Laurent Blanc", "PERSON"), ("Pete Sampras", "PERSON")]  # fmt: skip


def test_both_names_of_a_result_line_are_teams():
    text = "Welsh division one\nHarlequins 75 Gloucester 19\nDuisburg 1 Luebeck 0 ( after extra time )\nHe ran 2 in 9\n"
    found = [(name, label) for name, label, _ in missed_names(text, [])]
    assert found == [("Harlequins", "ORG"), ("Gloucester", "ORG"), ("Duisburg", "ORG"), ("Luebeck", "ORG")]


def test_links_handles_and_photo_credits_are_not_names():
    assert clean_name("https://t.co/FeITuw0hPb", EntityType.ORGANIZATION) is None
    assert clean_name("@michaelsheen & I", EntityType.ORGANIZATION) is None
    assert clean_name("www.example.org", EntityType.ORGANIZATION) is None
    assert clean_name("Steve Parsons/PA", EntityType.PERSON) is None  # a photographer's credit line
    assert clean_name("AC/DC", EntityType.ORGANIZATION) == ("AC/DC", EntityType.ORGANIZATION)
    assert clean_name("Ali Shamkhani", EntityType.PERSON) == ("Ali Shamkhani", EntityType.PERSON)


def test_names_in_related_headlines_count_only_from_headlines_about_the_same_story():
    headlines = ["Iran, Kyrgyzstan transport goods via Bandar Abbas: Road Minister", "2 lions killed in Chile zoo"]
    related = load_pipeline()(RELATED_SEPARATOR.join(headlines))
    story = [Mention("Iran", "GPE", 0), Mention("Kyrgyzstan", "GPE", 40)]
    mentions = related_mentions(related, story, at=500)
    assert "Bandar Abbas" in {m.text for m in mentions}, "a link to the same story gives its context"
    assert "Chile" not in {m.text for m in mentions}, "a most-read link does not"
    assert {(m.start, m.weight) for m in mentions} == {(500, RELATED_WEIGHT)}


def test_a_given_name_and_a_rare_surname_make_a_person_the_model_took_for_an_organisation():
    vocab = load_pipeline().vocab
    for person in ("Chrissy Teigen", "Wilson Kipketer", "Thomas de Maiziere", "Costantino Rocca"):
        assert a_persons_name(person, vocab), person
    # A company after its founder ends in a common word; a famous one in a word the vocabulary knows; a club
    # ends in its town; a team's name is no given name's.
    for organisation in ("Johnson Controls", "Morgan Stanley", "West Hartlepool", "Crystal Palace", "Warner Bros",
                         "China Evergrande", "Al Nassr", "King Kullen"):  # fmt: skip
        assert not a_persons_name(organisation, vocab), organisation
    assert not a_persons_name("CHRISSY TEIGEN", vocab), "capitals say nothing of the words"
    assert not a_persons_name("Teigen", vocab), "one word is no full name"


def test_the_models_organisation_named_as_persons_are_is_a_persons_mention():
    from spacy.tokens import Span

    doc = load_pipeline().make_doc("Chrissy Teigen and Johnson Controls spoke.")
    doc.ents = [Span(doc, 0, 2, label="ORG"), Span(doc, 3, 5, label="ORG")]
    assert [(m.text, m.label) for m in mentions_of(doc, 0, 0)] == [
        ("Chrissy Teigen", "PERSON"),
        ("Johnson Controls", "ORG"),
    ]


def test_an_institutions_name_runs_on_past_and_and_past_a_plurals_or_a_saints_possessive():
    text = (
        "The Department of Physics and Astronomy thanked Cincinnati Children's Hospital Medical Center, "
        "St Paul's Cathedral and Apple and Google. The Children's Minister Margaret Hodge spoke."
    )

    def span(name: str, label: str, nth: int = 0) -> tuple[str, str, int, int]:
        start = text.index(name) if not nth else text.index(name, text.index(name) + 1)
        return name, label, start, start + len(name)

    spans = [span("Department of Physics", "ORG"), span("Cincinnati Children", "ORG"),
             span("Hospital Medical Center", "ORG"), span("St Paul's", "ORG"), span("Apple", "ORG"),
             span("Google", "ORG"), span("Children", "ORG", nth=1), span("Margaret Hodge", "PERSON")]  # fmt: skip
    assert [name for name, *_ in joined_spans(text, spans)] == [
        "Department of Physics and Astronomy",
        "Cincinnati Children's Hospital Medical Center",
        "St Paul's Cathedral",
        "Apple",  # two names: no "of" or "for" makes one institution of them
        "Google",
        "Children",  # a post, then a person: "Children's Minister Margaret Hodge" is no name
        "Margaret Hodge",
    ]
    others = (
        "The Department of Justice and President Trump clashed. Flights from St Petersburg's Pulkovo Airport "
        "resumed, said St Louis's Police Chief John Hayden."
    )

    def at(name: str, label: str) -> tuple[str, str, int, int]:
        return name, label, others.index(name), others.index(name) + len(name)

    spans = [at("Department of Justice", "ORG"), at("Trump", "PERSON"), at("St Petersburg's", "GPE"),
             at("Pulkovo Airport", "FAC"), at("St Louis", "GPE"), at("John Hayden", "PERSON")]  # fmt: skip
    assert [name for name, *_ in joined_spans(others, spans)] == [name for name, *_ in spans]


def test_two_persons_one_space_apart_are_one_name_but_a_possessive_or_a_role_keeps_them_apart():
    text = "Abdel Moneim Abdel Maqsud spoke. Led Zeppelin's Jimmy Page and Leicester scrum-half Harry Ellis."

    def person(name: str) -> tuple[str, str, int, int]:
        return name, "PERSON", text.index(name), text.index(name) + len(name)

    headline = "Trump Kim summit set for June\n\nMeghan Markle Prince Harry news."
    pairs = [
        ("Trump", 0),
        ("Kim", 6),
        ("Meghan Markle", headline.index("Meghan")),
        ("Prince Harry", headline.index("Prince")),
    ]
    spans_in_headline = [(name, "PERSON", start, start + len(name)) for name, start in pairs]
    assert len(joined_spans(headline, spans_in_headline)) == 4, "not in a headline, not across a title"
    spans = [person(name) for name in ("Abdel Moneim", "Abdel Maqsud", "Led Zeppelin's", "Jimmy Page",
                                       "Leicester scrum-half", "Harry Ellis")]  # fmt: skip
    assert [name for name, *_ in joined_spans(text, spans)] == [
        "Abdel Moneim Abdel Maqsud",
        "Led Zeppelin's",
        "Jimmy Page",
        "Leicester scrum-half",
        "Harry Ellis",
    ]


def test_a_transcripts_speakers_by_surname_are_the_persons_the_text_names_in_full():
    text = "Ari Shapiro, host:\nHello.\nSHAPIRO: Good morning.\nWALT: Hi.\nSHAPIRO: Thanks.\nUPDATE: More soon."
    spans = [("Ari Shapiro", "PERSON", 0, 11), ("Vivienne Walt", "PERSON", 200, 213)]
    found = speaker_names(text, spans)
    assert found == [("SHAPIRO", "PERSON", text.index("SHAPIRO")), ("SHAPIRO", "PERSON", text.rindex("SHAPIRO"))]
    mentions = [Mention("Ari Shapiro", "PERSON", 0), *(Mention(n, label, start) for n, label, start in found)]
    (entity,) = resolve(mentions, text)
    assert (entity.name, entity.aliases, entity.mentions) == ("Ari Shapiro", ["SHAPIRO"], 3)
