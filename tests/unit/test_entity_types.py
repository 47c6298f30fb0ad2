"""Types a reader accepts: events, works and products are misc; a title, a role or a post makes a person;
credits and bylines name nobody in the story (rules of ``entities.retyping`` and ``entities.names``)."""

from __future__ import annotations

import re

import pytest

from schemas import EntityType
from services.processor.entities import RELATED_WEIGHT, Mention, clean_name, resolve
from services.processor.entities.appositions import described_names
from services.processor.entities.mention import HEADLINE_WEIGHT
from services.processor.entities.model import platform_names, press_names, site_names
from services.processor.entities.names import titled_names


def _mentions_in(text: str, *spans: tuple[str, str]) -> list[Mention]:
    return [Mention(name, label, text.index(name)) for name, label in spans]


def _starts(text: str, name: str) -> list[int]:
    return [match.start() for match in re.finditer(rf"\b{re.escape(name)}\b", text)]


def _types(text: str, *spans: tuple[str, str], sport: bool = False) -> dict[str, EntityType]:
    return {entity.name: entity.type for entity in resolve(_mentions_in(text, *spans), text, sport=sport)}


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Hamilton won the Brazilian Grand Prix on Sunday.", "Brazilian Grand Prix"),
        ("She thanked the crowd at the Grammys.", "Grammys"),
        ("He won an Oscar for the role.", "Oscar"),
        ("The city's annual Oktoberfest drew six million.", "Oktoberfest"),
        ("Crowds filled the Munich Oktoberfest.", "Munich Oktoberfest"),
        ("Floats lined up for the Rose Parade.", "Rose Parade"),
        ("Apple said the iPhone sold well.", "iPhone"),
        ("The roof was shaped like a MacBook Pro.", "MacBook Pro"),
        ("Both Telegram and Telegram X were removed.", "Telegram X"),
        ("The app was pulled from the App Store.", "App Store"),
        ("Games sold out on the PlayStation Store.", "PlayStation Store"),
        ("The crash of Nippon Airways Flight 175 was filmed.", "Nippon Airways Flight 175"),
        ("She crashed on the set of the 2003 film Kill Bill.", "Kill Bill"),
        ('She starred in the movie "Pulp Fiction" in 1994.', "Pulp Fiction"),
    ],
)
def test_events_awards_products_and_works_are_misc_not_organisations(text, span):
    assert _types(text, (span, "ORG"))[span.strip('"')] is EntityType.MISC


def test_a_name_that_fills_a_quotation_is_a_title_but_a_quoted_possessive_is_not():
    text = 'He sang "Cry Me A River," and "Senorita."\n\u201cNeil Portnow\u2019s comments were wrong.\u201d'
    spans = [("Cry Me A River", "GPE"), ("Senorita", "PERSON"), ("Neil Portnow", "PERSON")]
    types = _types(text, *spans)
    assert types == {"Cry Me A River": EntityType.MISC, "Senorita": EntityType.MISC, "Neil Portnow": EntityType.PERSON}
    others = '\u201cJames\u2019 death was avoidable,\u201d she said of the so-called "Islamic State".'
    types = _types(others, ("James", "PERSON"), ("Islamic State", "ORG"))
    assert types == {"James": EntityType.PERSON, "Islamic State": EntityType.ORGANIZATION}


def test_a_competition_named_like_a_league_is_misc_only_in_a_sports_story():
    sport = "Arsenal reached the last eight of the Champions League."
    assert _types(sport, ("Champions League", "ORG"), sport=True)["Champions League"] is EntityType.MISC
    politics = "Delegates of the Arab League met in Cairo."
    assert _types(politics, ("Arab League", "ORG"))["Arab League"] is EntityType.ORGANIZATION


def test_a_name_after_a_role_or_before_a_post_is_a_person_whatever_the_model_said():
    text = "The club released safety Morgan Burnett. Qadoura Fares, chairman of the Prisoners Club, spoke."
    types = _types(text, ("Morgan Burnett", "ORG"), ("Qadoura Fares", "ORG"), ("Prisoners Club", "ORG"))
    assert types == {"Morgan Burnett": EntityType.PERSON, "Qadoura Fares": EntityType.PERSON,
                     "Prisoners Club": EntityType.ORGANIZATION}  # fmt: skip
    assert clean_name("Model Chrissy Teigen", EntityType.ORGANIZATION) == ("Chrissy Teigen", EntityType.PERSON)
    assert clean_name("Star Wars", EntityType.MISC) == ("Star Wars", EntityType.MISC), "a work keeps its name"
    business = "Morgan Stanley, the bank, said profits rose."
    assert _types(business, ("Morgan Stanley", "ORG"))["Morgan Stanley"] is EntityType.ORGANIZATION
    apposition = "The delay bothered the German interior minister, Thomas de Maiziere."
    assert _types(apposition, ("Thomas de Maiziere", "ORG"))["Thomas de Maiziere"] is EntityType.PERSON
    place = "In Berlin, Thomas Cook opened a branch."
    assert _types(place, ("Thomas Cook", "ORG"))["Thomas Cook"] is EntityType.ORGANIZATION, "a place is no role"
    listed = "Talks between the minister, British Airways and the unions failed."
    assert _types(listed, ("British Airways", "ORG"))["British Airways"] is EntityType.ORGANIZATION, "a list"


def test_names_a_title_heads_are_persons_even_when_the_model_saw_none():
    text = (
        "Talks in Tehran\n\n"
        "Tajikistan's Ambassador to Iran Nizomiddin Zohidi met Foreign Minister Sirojiddin Muhriddin Monday."
    )
    assert [name for name, _, _ in titled_names(text, [])] == ["Nizomiddin Zohidi", "Sirojiddin Muhriddin"]
    assert titled_names("T\nthe Minister of Foreign Affairs Sirojiddin Muhriddin said", []) == [], "a post, no place"
    assert titled_names("Boxing - Prince Naseem Retains Wbo featherweight title\n", []) == [], "a headline"
    assert titled_names("A\nInside: Prince Naseem Retains Wbo Featherweight Title", []) == [], "title case"
    known = [("Sirojiddin Muhriddin", "PERSON", 19, 39)]
    assert titled_names("T\nForeign Minister Sirojiddin Muhriddin", known) == [], "the model already has it"


def test_a_surname_alone_is_the_person_the_text_names_in_full_not_a_place_or_a_team():
    text = "Nico Rosberg led. Rosberg then pitted."
    mentions = [Mention("Nico Rosberg", "PERSON", 0), Mention("Rosberg", "GPE", 18)]
    ((name, entity_type, aliases),) = [(e.name, e.type, e.aliases) for e in resolve(mentions, text)]
    assert (name, entity_type, aliases) == ("Nico Rosberg", EntityType.PERSON, ["Rosberg"])


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Police walk the site Carl Court/Getty Images 3/8 Emergency services", "Carl Court"),
        ("It crashed.\n\nAssociated Press writer Colleen Long in New York contributed to this report.", "Colleen Long"),
        ("Shares fell.\n\n(Reporting by Will Dunham; Editing by Tom Brown)", "Will Dunham"),
        ("Merkel spoke. (Editing by Belinda Goldsmith; Please credit the Foundation)", "Belinda Goldsmith"),
        ("Sheen and Silverman in 2016. (Photo: Gregg DeGuire, WireImage)\n\nShe spoke.", "Gregg DeGuire"),
        ("near Ramallah, January 1, 2018. REUTERS/Ammar Awad\n\nThe court", "Ammar Awad"),
        ("(Image: Mark Thompson)\n\nBut six laps later", "Mark Thompson"),
        ("feel threatened. Credit Omer Messinger/European Pressphoto Agency", "Omer Messinger"),
        ("go shopping. Author: Carsten Grün / uhe", "Carsten Grün"),
        ("Headline\n\nBy Jane Doe\n\nThe storm hit", "Jane Doe"),
        ("her remand for 8 days. (Mahmoud Illean, File/Associated Press)\n\nRAMALLAH", "Mahmoud Illean"),
        ("Title\n\nDaksha Rangan, CTVNews.ca\n\nA spectacular celebration", "Daksha Rangan"),
        ("in Croydon PA 5/8 Emergency services in Croydon Ben Morgan 6/8 A police cordon", "Ben Morgan"),
    ],
)
def test_photo_credits_and_bylines_name_nobody_in_the_story(text, span):
    assert resolve(_mentions_in(text, (span, "PERSON")), text) == []


def test_a_picture_agencys_credit_line_names_no_organisation_in_the_story():
    text = "She sued.\nJim Spellman/WireImage via Getty Images\nThe footage, Getty Images said, was old."
    mentions = [Mention("Getty Images", "ORG", start) for start in (text.index("Getty"), text.rindex("Getty"))]
    assert [(e.name, e.mentions) for e in resolve(mentions, text)] == [("Getty Images", 1)]


def test_a_person_in_prose_is_not_taken_for_a_credit():
    text = "The author Stephen King said the photo by the lake was his. Photos of Jane Doe spread."
    names = {e.name for e in resolve(_mentions_in(text, ("Stephen King", "PERSON"), ("Jane Doe", "PERSON")), text)}
    assert names == {"Stephen King", "Jane Doe"}
    brackets = "The talks (reporting by phone from Kabul) ended (editing by hand, said Ashraf Ghani) at noon."
    found = resolve(_mentions_in(brackets, ("Kabul", "GPE"), ("Ashraf Ghani", "PERSON")), brackets)
    assert {e.name for e in found} == {"Kabul", "Ashraf Ghani"}
    caption = "Donald Trump speaks at a rally in Waco, Texas. (Photo by Brandon Bell/Getty Images)"
    spans = [("Donald Trump", "PERSON"), ("Waco", "GPE"), ("Brandon Bell", "PERSON"), ("Getty Images", "ORG")]
    found = resolve(_mentions_in(caption, *spans), caption)
    assert {e.name for e in found} == {"Donald Trump", "Waco"}, "the caption's names stay, its credit goes"


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Hussein K.", EntityType.PERSON, "Hussein K."),  # an initial for a surname keeps its full stop
        ("John Smith.", EntityType.PERSON, "John Smith"),
        ('the "Judges Club', EntityType.ORGANIZATION, "Judges Club"),  # the quote after "the" goes too
        ("[National Academy of Recording Arts", EntityType.ORGANIZATION, "National Academy of Recording Arts"),
        ("Guy Consolmagno S.J.", EntityType.PERSON, "Guy Consolmagno"),  # letters after a name are no part of it
        ("Ken Macdonald QC", EntityType.PERSON, "Ken Macdonald"),
        ("Rose Mary Obe", EntityType.PERSON, "Rose Mary Obe"),  # a surname, not the honour's letters
        ("Martin Luther King Jr.", EntityType.PERSON, "Martin Luther King Jr."),
    ],
)
def test_names_keep_an_initials_full_stop_and_lose_stray_quotes(text, label, expected):
    assert clean_name(text, label) == (expected, label)


def test_a_country_takes_its_gazetteer_name_and_id_a_town_keeps_the_texts_spelling():
    text = "Britain and the UK said. In New York, talks went on."
    entities = {
        e.name: e for e in resolve(_mentions_in(text, ("Britain", "GPE"), ("UK", "GPE"), ("New York", "GPE")), text)
    }
    assert set(entities) == {"United Kingdom", "New York"}
    assert entities["United Kingdom"].aliases == ["Britain", "UK"]
    assert entities["United Kingdom"].id == "geonames:2635167"
    assert entities["New York"].id == f"geonames:{entities['New York'].geo.geonames_id}"


def test_streets_stations_and_landmarks_are_places_and_party_short_forms_organisations():
    text = "Trams stopped at Beckenham Junction and Reeves Corner. The Tories and the Lib Dems, Social Democrats too."
    spans = [("Beckenham Junction", "ORG"), ("Reeves Corner", "PERSON"), ("Tories", "NORP"), ("Lib Dems", "PERSON"),
             ("Social Democrats", "NORP")]  # fmt: skip
    assert _types(text, *spans) == {
        "Beckenham Junction": EntityType.LOCATION, "Reeves Corner": EntityType.LOCATION,
        "Conservative Party": EntityType.ORGANIZATION, "Liberal Democrats": EntityType.ORGANIZATION,
        "Social Democrats": EntityType.ORGANIZATION,
    }  # fmt: skip
    person = "Striker Anthony Hill scored."
    assert _types(person, ("Anthony Hill", "PERSON"))["Anthony Hill"] is EntityType.PERSON, "Hill is a surname too"


def test_streets_squares_bridges_and_towers_are_places_by_the_word_that_starts_or_ends_them():
    text = (
        "Crowds filled the Promenade des Anglais and Piazza del Popolo. Police closed Ebertstrasse and the "
        "Mario M. Cuomo Bridge, lit the Willis Tower and flew over Lake Geneva. A band played the "
        "Potomac Ballroom; viewing is at Turner Farm Park, by the Gaylord Convention Center."
    )
    spans = [(name, "ORG") for name in ("Promenade des Anglais", "Piazza del Popolo", "Ebertstrasse",
                                        "Mario M. Cuomo Bridge", "Willis Tower", "Lake Geneva",
                                        "Potomac Ballroom", "Turner Farm Park",
                                        "Gaylord Convention Center")]  # fmt: skip
    assert set(_types(text, *spans).values()) == {EntityType.LOCATION}
    # Not a short word that is such an ending, an organisation whose name ends in its head word, a person with a
    # landmark's surname, or a work's name.
    others = (
        "Platz AG and the Lake County Sheriff's Office met. Barbara Castle watched Downton Abbey with Grace Park. "
        "The Pew Research Center polled. Seton Hall said so."
    )
    spans = [("Platz", "ORG"), ("Lake County Sheriff's Office", "ORG"), ("Barbara Castle", "PERSON"),
             ("Downton Abbey", "WORK_OF_ART"), ("Grace Park", "PERSON"), ("Pew Research Center", "ORG"),
             ("Seton Hall", "ORG")]  # fmt: skip
    assert _types(others, *spans) == {
        "Platz": EntityType.ORGANIZATION,
        "Lake County Sheriff's Office": EntityType.ORGANIZATION,
        "Barbara Castle": EntityType.PERSON,
        "Downton Abbey": EntityType.MISC,
        "Grace Park": EntityType.PERSON,
        "Pew Research Center": EntityType.ORGANIZATION,
        "Seton Hall": EntityType.ORGANIZATION,
    }


def test_zoos_hospitals_schools_observatories_and_newsrooms_are_organisations_not_buildings_or_persons():
    text = "Keepers at Cincinnati Zoo called Sandy Hook Elementary School and the Vatican Observatory."
    spans = [("Cincinnati Zoo", "FAC"), ("Sandy Hook Elementary School", "GPE"), ("Vatican Observatory", "LOC")]
    assert set(_types(text, *spans).values()) == {EntityType.ORGANIZATION}
    post = "In a statement to ABC News, a rep for Weinstein said no. The Sunday Times agreed."
    spans = [("ABC News", "ORG"), ("Sunday Times", "PERSON")]
    assert set(_types(post, *spans).values()) == {EntityType.ORGANIZATION}, "a newsroom, not a rep's name"
    actress = "The actress Markie Post died."
    assert _types(actress, ("Markie Post", "PERSON"))["Markie Post"] is EntityType.PERSON
    road = "Traffic stopped on Hospital Road."
    assert _types(road, ("Hospital Road", "FAC"))["Hospital Road"] is EntityType.LOCATION


def test_an_agency_named_in_a_sentence_is_an_organisation_its_credit_is_not():
    text = "LONDON (Reuters) - Talks resumed, an official told Reuters.\nAP - Later, the Associated Press said."
    found = resolve(
        [Mention("Reuters", "ORG", 8), Mention("Reuters", "ORG", 51), Mention("AP", "ORG", 60),
         Mention("Associated Press", "ORG", text.index("Associated"))],
        text,
    )  # fmt: skip
    assert sorted((e.name, e.mentions) for e in found) == [("Associated Press", 1), ("Reuters", 1)]


def test_when_the_headline_and_the_body_disagree_on_a_type_the_body_decides():
    text = "Raikkonen and Felipe Massa crash out\n\nFelipe Massa was the last driver to hit the wall."
    mentions = [Mention("Felipe Massa", "GPE", 14, weight=3.0), Mention("Felipe Massa", "PERSON", 38)]
    assert [(e.name, e.type) for e in resolve(mentions, text)] == [("Felipe Massa", EntityType.PERSON)]


def test_a_month_after_a_first_name_is_the_surname_a_date_after_a_name_is_not():
    text = "Telegram was singled out by Theresa May. Smith arrived in May 2017. Jones May 5 said."
    mentions = _mentions_in(text, ("Theresa", "PERSON"), ("Smith", "PERSON"), ("Jones", "PERSON"))
    assert {e.name for e in resolve(mentions, text)} == {"Theresa May", "Smith", "Jones"}


def test_a_bowlers_figures_are_not_a_gallery_and_a_bracket_of_agencies_is_a_credit():
    card = "Pakistan 290 ( Wasim Akram 4/35 , Waqar Younis 3/28 )\nMushtaq Ahmed 5/57 took the wickets"
    mentions = _mentions_in(card, ("Wasim Akram", "PERSON"), ("Mushtaq Ahmed", "PERSON"))
    assert {e.name for e in resolve(mentions, card)} == {"Wasim Akram", "Mushtaq Ahmed"}
    credit = "The market reopened on Monday.\n\njm/dm (AFP, dpa)"
    assert resolve(_mentions_in(credit, ("AFP", "ORG")), credit) == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        (
            "The tail could be seen at the site (Costa Rica's Public Safety Ministry/AP)\n\nThey said",
            "Public Safety Ministry",
        ),
        ("a protest in front of the Cologne Cathedral. [Photo/Agencies]\n\nMerkel said", "Agencies"),
    ],
)
def test_a_bracket_crediting_a_picture_across_a_slash_names_nobody_in_the_story(text, span):
    assert resolve(_mentions_in(text, (span, "ORG")), text) == []


def test_a_slash_in_brackets_that_credits_no_picture_keeps_its_names():
    text = "Support rose (Reuters/Ipsos poll) and AC/DC played (Berlin/Brandenburg). The poll (Ipsos/Reuters) found."
    spans = [("Ipsos", "ORG"), ("Brandenburg", "GPE")]
    mentions = [*_mentions_in(text, *spans), Mention("Ipsos", "ORG", text.rindex("Ipsos"))]
    assert [(e.name, e.mentions) for e in resolve(mentions, text)] == [("Ipsos", 2), ("Brandenburg", 1)]


def test_a_partys_everyday_names_are_one_organisation_under_its_own_name():
    text = "The Tories lost. Conservatives blamed the Lib Dems."
    spans = [("Tories", "NORP"), ("Conservatives", "NORP"), ("Lib Dems", "ORG")]
    entities = {e.name: e for e in resolve(_mentions_in(text, *spans), text)}
    assert set(entities) == {"Conservative Party", "Liberal Democrats"}
    assert entities["Conservative Party"].aliases == ["Conservatives", "Tories"]
    assert entities["Conservative Party"].id == "organization:conservative-party"


def test_verbs_are_not_work_nouns_and_a_persons_name_is_not_an_award_or_a_product():
    sport = "Spurs will play Arsenal on Sunday; polls show Labour ahead."
    assert _types(sport, ("Arsenal", "ORG"), ("Labour", "ORG")) == {
        "Arsenal": EntityType.ORGANIZATION, "Labour Party": EntityType.ORGANIZATION}  # fmt: skip
    text = "Senator Cory Booker spoke. Booker said Malcolm X inspired him."
    spans = [("Cory Booker", "PERSON"), ("Booker", "PERSON"), ("Malcolm X", "PERSON")]
    assert _types(text, *spans) == {"Cory Booker": EntityType.PERSON, "Malcolm X": EntityType.PERSON}


def test_a_slash_between_two_places_is_no_credit():
    text = "Flights from the Dallas/Fort Worth airport resumed."
    assert set(_types(text, ("Dallas", "GPE"), ("Fort Worth", "GPE"))) == {"Dallas", "Fort Worth"}


def test_a_work_noun_makes_a_title_misc_even_when_the_model_took_it_for_a_person():
    text = "He regrets the crash on the set of 2003 film Kill Bill."
    assert _types(text, ("Kill Bill", "PERSON"))["Kill Bill"] is EntityType.MISC


@pytest.mark.parametrize(
    ("text", "span", "label", "expected"),
    [
        ("The newspaper Chosun Ilbo reported the seizure.", "Chosun Ilbo", "GPE", EntityType.ORGANIZATION),
        ("The pictures, from case maker Olixar, leaked.", "Olixar", "NORP", EntityType.ORGANIZATION),
        ("It belongs to the Swiss shipping company SCYLLA.", "SCYLLA", "GPE", EntityType.ORGANIZATION),
        ("It happened in the West Bank village of Nabi Saleh.", "Nabi Saleh", "PERSON", EntityType.LOCATION),
        ("The tanker was seized in the port of Yeosu.", "Yeosu", "NORP", EntityType.LOCATION),
    ],
)
def test_the_noun_before_a_name_says_what_it_is(text, span, label, expected):
    assert _types(text, (span, label))[span] is expected


def test_what_a_noun_says_of_one_mention_holds_for_every_mention_but_a_town_is_still_its_club():
    paper = "The newspaper Chosun Ilbo reported it.\n\nChosun Ilbo said the ship was Chinese. Chosun Ilbo added more."
    mentions = [Mention("Chosun Ilbo", label, start) for label, start in (("GPE", 14), ("GPE", 40), ("PERSON", 79))]
    assert all(paper[mention.start : mention.start + 11] == "Chosun Ilbo" for mention in mentions)
    assert [(e.name, e.type, e.mentions) for e in resolve(mentions, paper)] == [
        ("Chosun Ilbo", EntityType.ORGANIZATION, 3)
    ]
    team = "Thanks to the city of Chicago and the fans.\n\nLike Los Angeles, Chicago ended the reign of a coach."
    mentions = [Mention("Chicago", "GPE", team.index("Chicago")), Mention("Chicago", "GPE", team.rindex("Chicago"))]
    types = sorted(e.type.value for e in resolve(mentions, team, sport=True) if e.name == "Chicago")
    assert types == ["location", "organization"], "the city named as a city, and its club that ended a reign"


def test_a_title_word_the_model_took_for_a_person_is_a_stage_name_without_a_determiner_before_it():
    text = "Timberlake sang. Prince, who died in 2016, was missed. A Nigerian Prince and the Saudi Crown Prince wrote."
    starts = (text.index("Prince,"), text.index("Prince and"), text.rindex("Prince"))
    mentions = [Mention("Prince", "PERSON", start) for start in starts]
    assert [(e.name, e.mentions) for e in resolve(mentions, text)] == [("Prince", 1)]


def test_a_one_word_name_before_a_team_members_noun_is_the_team():
    text = "The crowd cheered the Williams driver. Sauber driver Marcus Ericsson crashed."
    assert set(_types(text, ("Williams", "PERSON"), ("Sauber", "PERSON")).values()) == {EntityType.ORGANIZATION}
    person = "Trump fans cheered; Trump's car arrived. A Smith car bomb went off."
    assert _types(person, ("Trump", "PERSON"), ("Smith", "PERSON"))["Trump"] is EntityType.PERSON
    assert _types(person, ("Smith", "PERSON"))["Smith"] is EntityType.PERSON, "a car bomb is no team's car"
    places = "A Texas driver was arrested. England manager Glenn Hoddle spoke."
    assert set(_types(places, ("Texas", "GPE"), ("England", "GPE")).values()) == {EntityType.LOCATION}


def test_in_a_sports_story_a_possessive_before_a_players_full_name_is_the_players_team():
    text = "It followed a shunt involving Sauber's Marcus Ericsson. Sweden's Marcus Ericsson was unhurt."
    spans = [("Sauber", "PERSON"), ("Marcus Ericsson", "PERSON"), ("Sweden", "GPE")]
    types = _types(text, *spans, sport=True)
    assert types == {
        "Sauber": EntityType.ORGANIZATION,
        "Marcus Ericsson": EntityType.PERSON,
        "Sweden": EntityType.LOCATION,
    }
    assert _types(text, *spans)["Sauber"] is EntityType.PERSON, "outside sport, a person's possessive"
    team = "Williams' Felipe Massa cried. Felipe Massa joined Williams in 2014; Massa thanked Williams."
    first, second = _starts(team, "Felipe Massa")
    mentions = [Mention("Williams", "PERSON", start) for start in _starts(team, "Williams")]
    mentions += [Mention("Felipe Massa", "PERSON", first), Mention("Felipe Massa", "GPE", second)]
    entities = sorted((entity.name, entity.type.value) for entity in resolve(mentions, team, sport=True))
    assert entities == [("Felipe Massa", "person"), ("Williams", "organization")], "every mention"
    managers = "Klopp's Mohamed Salah scored. Klopp praised him. Serena's Venus Williams watched Serena Williams."
    spans = [("Klopp", "PERSON"), ("Mohamed Salah", "PERSON"), ("Serena", "PERSON"), ("Venus Williams", "PERSON"),
             ("Serena Williams", "PERSON")]  # fmt: skip
    assert set(_types(managers, *spans, sport=True).values()) == {EntityType.PERSON}, "a manager, a sister"
    country = "Sweden's Marcus Ericsson was unhurt."
    assert _types(country, ("Sweden", "PERSON"), ("Marcus Ericsson", "PERSON"), sport=True)["Sweden"] is not (
        EntityType.ORGANIZATION
    ), "a country is never the team here"


def test_given_names_listed_with_other_persons_are_persons_not_the_towns_of_that_name():
    text = "Bruce and Irene Steinberg and their sons Matthew, William and Zachary died in the crash."
    spans = [
        ("Bruce", "PERSON"),
        ("Irene Steinberg", "PERSON"),
        ("Matthew", "PERSON"),
        ("William", "PERSON"),
        ("Zachary", "PERSON"),
    ]
    assert set(_types(text, *spans).values()) == {EntityType.PERSON}
    towns = "The chain opens stores in Austin, Charlotte and Jackson. Storms hit Orlando and Florence, then Darlington."
    spans = [("Austin", "PERSON"), ("Charlotte", "PERSON"), ("Jackson", "PERSON"), ("Orlando", "PERSON"),
             ("Florence", "PERSON")]  # fmt: skip
    assert set(_types(towns, *spans).values()) == {EntityType.LOCATION}, "lists of towns the model took for persons"
    mixed = "The twins Matthew and Darlington met."
    assert _types(mixed, ("Matthew", "PERSON"), ("Darlington", "PERSON"))["Darlington"] is EntityType.LOCATION
    alone = "The storm reached Zachary on Monday."
    assert _types(alone, ("Zachary", "PERSON"))["Zachary"] is EntityType.LOCATION, "a town the model took for a person"


@pytest.mark.parametrize(
    ("text", "span", "label"),
    [
        ("Tamimi is brought to a courtroom inside Ofer military prison near Jerusalem.", "Ofer", "PERSON"),
        ("Hamilton and Rosberg steer past debris on the Interlagos circuit.", "Interlagos", "ORG"),
        ("Flights left Heathrow airport on time.", "Heathrow", "ORG"),
        ("The plane went down in Costa Rica's Guanacaste province on Sunday.", "Guanacaste", "PERSON"),
    ],
)
def test_a_places_noun_after_a_name_makes_it_a_place(text, span, label):
    assert _types(text, (span, label), sport=True)[span] is EntityType.LOCATION


def test_a_word_in_capitals_the_text_also_writes_in_lower_case_is_a_pages_label_not_a_name():
    text = "FILE - In this file photo, Uma Thurman poses. The WHO and CARE said so; who knows what care costs."
    spans = [("FILE", "ORG"), ("Uma Thurman", "PERSON"), ("CARE", "ORG"), ("WHO", "ORG")]
    found = resolve(_mentions_in(text, *spans), text)
    assert {e.name for e in found} == {"Uma Thurman", "CARE", "WHO"}, "an acronym in a sentence stays"


@pytest.mark.parametrize(("text", "span", "label"), [("Add wallpapers via USB.", "USB", "ORG"),
                                                     ("RAM prices rose.", "RAM", "ORG"),
                                                     ("The LCD screen broke.", "LCD", "ORG"),
                                                     ("VR headsets sold out.", "VR", "GPE")])  # fmt: skip
def test_technologies_and_formats_are_no_names(text, span, label):
    assert resolve(_mentions_in(text, (span, label)), text) == []


def test_a_retailers_store_is_an_organisation():
    text = "The Container Store filed for bankruptcy."
    assert _types(text, ("Container Store", "ORG"))["Container Store"] is EntityType.ORGANIZATION


def test_a_name_written_otherwise_than_a_technology_is_a_name():
    text = "He prayed at the temple of Lord Ram. The Packers top the NFC."
    found = resolve(_mentions_in(text, ("Lord Ram", "PERSON"), ("NFC", "ORG")), text)
    assert {e.name for e in found} == {"Ram", "NFC"}


def test_a_role_in_capitals_is_a_title_not_an_organisation():
    text = "The CEO declined to comment. CEO Tim Cook spoke. CFO Luca Maestri did not."
    spans = [("CEO", "ORG"), ("CEO Tim Cook", "PERSON"), ("CFO Luca Maestri", "PERSON")]
    found = resolve(_mentions_in(text, *spans), text)
    assert [(e.name, e.type) for e in found] == [("Tim Cook", EntityType.PERSON), ("Luca Maestri", EntityType.PERSON)]


def test_a_noun_for_a_countrys_people_after_the_is_nobodys_name():
    text = (
        "The Finn was fortunate. Nevertheless, the Brit has promised more, like his fellow Scot. Finn Russell kicked; "
        "Finn scored."
    )
    spans = [("Finn", "PERSON"), ("Brit", "ORG"), ("Scot", "PERSON"), ("Finn Russell", "PERSON")]
    mentions = [*_mentions_in(text, *spans), Mention("Finn", "PERSON", text.rindex("Finn"))]
    assert {entity.name for entity in resolve(mentions, text)} == {"Finn Russell"}, "Finn alone joins Finn Russell"
    adjectives = "The Czech capital, Prague, voted."
    found = resolve(_mentions_in(adjectives, ("Czech", "NORP"), ("Prague", "GPE")), adjectives)
    assert {entity.name for entity in found} == {"Czech", "Prague"}, "an adjective is the model's misc"


def test_a_places_noun_after_a_name_makes_no_place_of_a_show_an_acronym_a_persons_name_or_a_company():
    text = (
        "Orange Is the New Black, the Netflix prison drama, ended. He won titles on the ATP circuit. Jeffrey Epstein "
        "flew guests to the Epstein island. A pro-Assad district voted. Microsoft opened an Azure region."
    )
    spans = [("Netflix", "ORG"), ("ATP", "ORG"), ("Jeffrey Epstein", "PERSON"), ("Epstein", "PERSON"),
             ("Assad", "PERSON"), ("Azure", "ORG")]  # fmt: skip
    assert _types(text, *spans) == {
        "Netflix": EntityType.ORGANIZATION,
        "ATP": EntityType.ORGANIZATION,
        "Jeffrey Epstein": EntityType.PERSON,  # "Epstein" joins him
        "Assad": EntityType.PERSON,
        "Azure": EntityType.ORGANIZATION,
    }
    track = "The Williams track record is poor. Kendrick Lamar released a new Kendrick Lamar track."
    assert _types(track, ("Williams", "ORG"), ("Kendrick Lamar", "PERSON")) == {
        "Williams": EntityType.ORGANIZATION,
        "Kendrick Lamar": EntityType.PERSON,
    }
    demonyms = "The Malian desert blues band played. The Irish province won."
    found = resolve(_mentions_in(demonyms, ("Malian", "NORP"), ("Irish", "NORP")), demonyms)
    assert {e.type for e in found} == {EntityType.MISC}


def test_a_name_with_the_before_it_and_a_reporting_verb_after_it_is_a_publication():
    text = "A tanker was seen, The Chosun Ilbo reports. The Guardian reported it first. Lee Jae-won reported it."
    spans = [("Chosun Ilbo", "PERSON"), ("Guardian", "PERSON"), ("Lee Jae-won", "PERSON")]
    assert _types(text, *spans) == {
        "Chosun Ilbo": EntityType.ORGANIZATION,
        "Guardian": EntityType.ORGANIZATION,
        "Lee Jae-won": EntityType.PERSON,
    }


def test_a_noun_heading_a_clause_does_not_make_an_organisation_of_the_models_person():
    text = "Neymar scored twice.\n\nThe club Neymar joined in 2017 paid a record fee for him."
    mentions = [Mention("Neymar", "PERSON", 0), Mention("Neymar", "PERSON", text.rindex("Neymar"))]
    assert {e.name: e.type for e in resolve(mentions, text)} == {"Neymar": EntityType.PERSON}


def test_a_noun_in_apposition_or_a_publications_noun_after_the_name_overrides_the_models_person():
    text = (
        "Gunmen attacked the satirical weekly Charlie Hebdo and a supermarket. In a post for his blog Spundart, "
        "he wrote more. South Korea's Chosun Ilbo newspaper published photos."
    )
    spans = [("Charlie Hebdo", "PERSON"), ("Spundart", "PERSON"), ("Chosun Ilbo", "PERSON")]
    assert set(_types(text, *spans).values()) == {EntityType.ORGANIZATION}
    clauses = "Tesla is the company Musk says will win. He writes for the pro-Trump website Breitbart."
    assert set(_types(clauses, ("Musk", "PERSON"), ("Trump", "PERSON")).values()) == {EntityType.PERSON}


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Prof Ann Lee, publisher Jason O'Grady and others spoke.", "Jason O'Grady"),  # a role, not a company
        ("A giant Silicon Valley company is said to be working on glasses.", "Silicon Valley"),
    ],
)
def test_nouns_that_also_stand_before_persons_or_adjectives_type_nothing(text, span):
    label = "PERSON" if "O'Grady" in span else "LOC"
    assert _types(text, (span, label))[span] is {"PERSON": EntityType.PERSON, "LOC": EntityType.LOCATION}[label]


def test_names_the_model_missed_after_their_noun_are_found():
    text = (
        "He said so in an interview with the public broadcaster WDR. Market research firm IDC says sales rose. "
        "Rival headset maker Magic Leap agreed. The ship was seized in the port of Pyeongtaek on Sunday."
    )
    found = [(name, label) for name, label, start in described_names(text, [])]
    assert found == [("WDR", "ORG"), ("IDC", "ORG"), ("Magic Leap", "ORG"), ("Pyeongtaek", "GPE")]
    assert all(text[start : start + len(name)] == name for name, _, start in described_names(text, []))


@pytest.mark.parametrize(
    "text",
    [
        '"I told the club I would stay," he said.',  # a pronoun
        "The prize went to US band TV on the Radio.",  # the name goes on in lower case: its end is unknown
        "Environmental group Transport 2000 objected.",
        "They met in the town Hall on Monday.",  # a place is "town of X"
        "A group of Israeli settlers gathered.",  # a company is "firm X", not "firm of X"
        "The company Chairman resigned.",  # a title
        "The bank Britain owns was sold.",  # a place is no company
    ],
)
def test_a_noun_before_capitals_finds_no_name_where_the_name_is_unclear(text):
    assert described_names(text, []) == []


def test_a_name_the_model_tagged_is_not_found_twice():
    text = "Market research firm IDC says sales rose."
    assert described_names(text, [(text.index("IDC"), text.index("IDC") + 3)]) == []


@pytest.mark.parametrize("label", ["PERSON", "WORK_OF_ART", "PRODUCT"])
def test_social_platforms_are_organisations_whatever_the_model_said(label):
    text = "US President Donald Trump said on Twitter that China was caught red handed."
    assert _types(text, ("Twitter", label))["Twitter"] is EntityType.ORGANIZATION


def test_a_one_word_name_that_begins_a_places_name_is_that_place_not_a_person():
    text = "Spectators fled Terrigal Beach. The fireworks in Terrigal took a turn for the worst."
    mentions = [Mention("Terrigal Beach", "GPE", text.index("Terrigal")), Mention("Terrigal", "PERSON", 49)]
    assert {e.name: e.type for e in resolve(mentions, text)} == {
        "Terrigal Beach": EntityType.LOCATION, "Terrigal": EntityType.LOCATION
    }  # fmt: skip
    person = "Michael Jordan toured the Jordan Valley. Jordan said it was beautiful."
    mentions = [
        Mention("Michael Jordan", "PERSON", 0),
        Mention("Jordan Valley", "LOC", person.index("Jordan Valley")),
        Mention("Jordan", "PERSON", person.rindex("Jordan")),
    ]
    types = {e.name: e.type for e in resolve(mentions, person)}
    assert types["Michael Jordan"] is EntityType.PERSON and "Jordan" not in types, "a surname joins its person"


def test_in_a_title_case_line_a_span_ends_where_the_text_writes_its_next_word_in_lower_case():
    text = (
        "South Korea Seizes Ship Suspected Of Oil Transfers\n\n"
        "Officials seized a ship suspected of oil transfers. The National Bank of Poland and the bank's owners agreed."
    )
    headline = [Mention("South Korea Seizes Ship Suspected", "GPE", 0), Mention("Oil Transfers", "ORG", 37)]
    assert text[37:50] == "Oil Transfers"
    names = {entity.name for entity in resolve(headline, text)}
    assert names == {"South Korea"}, "seizes (seized), ship, suspected, oil and transfers are words of its sentences"
    prose = [Mention("National Bank of Poland", "ORG", text.index("National"))]
    assert [entity.name for entity in resolve(prose, text)] == ["National Bank of Poland"], "in prose all stay"
    shouted = "Soccer - National Bank of Poland Cuts Rates\n\nThe bank cuts rates again, it said."
    spans = [Mention("National Bank of Poland Cuts Rates", "ORG", 9)]
    assert [entity.name for entity in resolve(spans, shouted)] == ["National Bank of Poland"], "a head word stays"
    repeated = f"{text.split(chr(10))[0]}\n\n{text}"  # a page that repeats its headline under it
    spans = [Mention("South Korea Seizes Ship Suspected", "GPE", start) for start in (0, repeated.index("South", 5))]
    assert {entity.name for entity in resolve(spans, repeated)} == {"South Korea"}, "a repeat is no prose"
    lineup = "Ireland: G. Murphy, R. Best, N. Best, S. Best\n\nThey were the best side on the day."
    players = [Mention("N. Best", "PERSON", lineup.index("N. Best"))]
    assert [entity.name for entity in resolve(players, lineup)] == ["N. Best"], "a surname after an initial stays"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Manchester City", EntityType.ORGANIZATION), ("Leeds United", EntityType.ORGANIZATION),
     ("Mexico City", EntityType.LOCATION)],  # the gazetteer's own place
)  # fmt: skip
def test_a_towns_name_with_a_clubs_ending_is_the_club_in_any_story(name, expected):
    text = f"Fans sang as {name} lost on Saturday."
    assert _types(text, (name, "GPE"))[name] is expected


def test_social_platforms_the_model_missed_are_found_but_not_in_links_handles_or_calls_to_follow():
    text = "The comic announced the split on Twitter: pic.twitter.com/x #Facebook @Instagram"
    assert platform_names(text, []) == [("Twitter", "ORG", text.index("Twitter"))]
    furniture = "She spoke on Monday.\n\nFollow us on Facebook, on Twitter @BBCNewsEnts, or on Instagram."
    mentions = [Mention(name, "ORG", start) for name, _, start in platform_names(furniture, [])]
    assert len(mentions) == 3 and resolve(mentions, furniture) == [], "the page's call to follow it is no story"
    asked = "Craving even more? Like us on Facebook or Follow us on Twitter."
    mentions = [Mention(name, "ORG", start) for name, _, start in platform_names(asked, [])]
    assert len(mentions) == 2 and resolve(mentions, asked) == [], "a question ends the sentence before the call"


def test_a_site_named_by_its_domain_in_a_sentence_is_an_organisation_a_link_or_an_address_is_not():
    text = "DailyMail.com has reached out, ABC.net.au reported. Visit www.npr.org, https://Foo.com/x or Ed@Bbc.co.uk."
    found = site_names(text, [])
    assert [name for name, _, _ in found] == ["DailyMail.com", "ABC.net.au"]
    entities = resolve([Mention(name, label, start) for name, label, start in found], text)
    assert {(e.name, e.type) for e in entities} == {
        ("DailyMail.com", EntityType.ORGANIZATION),
        ("ABC.net.au", EntityType.ORGANIZATION),
    }


def test_a_publication_quoted_by_its_title_with_a_capital_the_is_found():
    text = (
        "She told The Verge on Monday. Seen by The Verge, they weigh 50 grams, and The Verge reports that it works. "
        "He said The Beatles were better, and The Godfather was long. The Times said so."
    )
    found = press_names(text, [])
    assert [(name, text[start : start + len(name)]) for name, _, start in found] == [("The Verge", "The Verge")] * 3
    others = "It was sold, according to The Times of India. He told The Netherlands parliament so."
    assert press_names(others, []) == [], "a name that goes on past it, a country"
    assert press_names(text, [(text.index("Verge"), text.index("Verge") + 5)])[0][2] != text.index("The Verge")


def test_a_headline_span_that_runs_on_past_a_name_the_story_gives_is_that_name():
    text = "Women send rebuke to Grammys leadership\n\nThe Grammys drew criticism. Max Verstappen was third."
    headline = Mention("Grammys leadership", "PERSON", text.index("Grammys"), HEADLINE_WEIGHT)
    story = Mention("Grammys", "ORG", text.index("Grammys", 40))
    assert {(e.name, e.type) for e in resolve([headline, story], text)} == {("Grammys", EntityType.MISC)}
    full = "Max Verstappen shines\n\nVerstappen was third, and Verstappen Racing cheered."
    mentions = [Mention("Max Verstappen", "PERSON", 0, HEADLINE_WEIGHT), Mention("Verstappen", "PERSON", 23)]
    assert [e.name for e in resolve(mentions, full)] == ["Max Verstappen"], "a full name the story shortens stays"
    sentence = "Secretive Telegram app removed\n\nApple removed Telegram from its store."
    mentions = [
        Mention("Secretive Telegram", "ORG", 0, HEADLINE_WEIGHT),
        Mention("Telegram", "ORG", sentence.rindex("Telegram")),
    ]
    assert [e.name for e in resolve(mentions, sentence)] == ["Telegram"], "a headline's first word is no name's"
    club = "Neymar completes Paris Saint-Germain move\n\nPSG signed him. He will live in Paris."
    mentions = [Mention("Paris Saint-Germain", "ORG", club.index("Paris"), HEADLINE_WEIGHT),
                Mention("Paris", "GPE", club.rindex("Paris"))]  # fmt: skip
    assert "Paris Saint-Germain" in {e.name for e in resolve(mentions, club)}, "the model's organisation stays"


def test_a_span_on_a_title_case_line_that_starts_with_a_sentences_word_is_no_name():
    text = "Experts Say Tranquilizing Harambe Would Not Work\n\nVets said tranquilizing the gorilla takes minutes."
    spans = [Mention("Tranquilizing Harambe", "PERSON", text.index("Tranquilizing"))]
    assert resolve(spans, text) == []


def test_rules_that_read_a_names_line_leave_related_headlines_and_ordinary_sentences_alone():
    text = "Iran and Kyrgyzstan met.\n\n(Reporting by Will Dunham; Editing by Tom Brown)"
    related = Mention("Bandar Abbas", "GPE", len(text), RELATED_WEIGHT)  # placed after the text
    assert "Bandar Abbas" in {e.name for e in resolve([related], text)}, "the last line's credit is not its"
    share = "The US agreed to share this intelligence with Israel."
    assert _types(share, ("Israel", "GPE")) == {"Israel": EntityType.LOCATION}, "no call to follow the page"
    headline = "New Zealand Wins The Cup Again\n\nNew Zealand won the cup, a new record."
    assert _types(headline, ("New Zealand", "GPE")) == {"New Zealand": EntityType.LOCATION}, "written so in prose"
    assert clean_name("Ole Miss.", EntityType.ORGANIZATION) == ("Ole Miss", EntityType.ORGANIZATION)
    assert clean_name("Calif.", EntityType.LOCATION) == ("Calif.", EntityType.LOCATION)
