"""The two bundled Iran Press wire stories, cleaned exactly as a careful editor would leave them."""

from __future__ import annotations

import pytest

from schemas import Dateline, RawArticle
from services.fetcher.inputs import read_file
from services.processor.clean import clean
from tests.conftest import SAMPLES

TEHRAN_BODY = "\n\n".join(
    [
        "Iran's Secretary of the Supreme National Security Council (SNSC) met with the Chairman of the National Security Council of Kyrgyzstan and stressed the importance of expanding bilateral relations and regional cooperation between the two sides.",
        "Vice President and Chairman of the Kyrgyz National Security Council, Talaatbek Mossadeghov, who is in Tehran for a three-day official visit, this morning, met with Rear Admiral Ali Shamkhani, Representative of Iran's Leader and Secretary of Iran' Supreme National Security Council (SNSC).",
        "Two sides discussed a wide range of bilateral, regional, and international cooperation.",
        "During the meeting, the two sides emphasized the expansion of comprehensive cooperation between Tehran and Bishkek in the political, security, and economic fields.",
        'Rear Admiral Shamkhani, referring to the commonalities of civilization and shared interests and threats, stated: "With proper planning, cooperation between the two countries can be expanded and deepened at all levels."',
        "Explaining Iran's capabilities in the fields of transit, energy, science, medicine, technology, IT, and knowledge-based companies, Iran's Secretary of Supreme National Security Council announced the readiness of the Islamic Republic of Iran for the comprehensive development of cooperation between the two countries.",
        "Tensions in the region, the aftermath of US interventions",
        "Referring to the developments in Afghanistan, Rear Admiral Shamkhani noted that the current difficult situation in the area, especially the situation in Afghanistan, is the result of the wrong and crisis-making policies of the United States in the place and more than 20 years of Washington occupation in Afghanistan.",
        'The Secretary of the Supreme National Security Council of Iran said: "Considering the need to create peace, stability and lasting security in Afghanistan, we consider the formation of an inclusive government with the participation of all ethnic groups as important components to achieve such a goal."',
        "During the meeting, Mossadeghov, Vice President and Chairman of the Kyrgyz National Security Council, expressed satisfaction with the visit to Iran and stressed the importance of significant similarities in the regional approaches of the two countries, saying that Kyrgyzstan is interested in improving its economy, political and security relations with Tehran.",
        "Common concern of Tehran-Bishkek on Afghanistan humanitarian crisis",
        'Referring to the common positions of Iran and Kyrgyzstan on the Afghan crisis, he said: "It is necessary for the countries of the region to help stabilize the country by taking joint and coordinated initiatives to prevent the formation of a humanitarian crisis, absolute poverty, and the growth of terrorism in Afghanistan."',
        "Mossadeghov mentioned the use of southern Iranian ports for the transit of goods to Kyrgyzstan as one of the priorities of cooperation between the two countries and added:",
        '"Security cooperation and exchange of experiences in the fight against terrorism, narcotics and organized crime are among the important areas that can be put on the agenda of the development of Tehran-Bishkek relations."',
    ]
)

BISHKEK_BODY = "\n\n".join(
    [
        "The secretaries of the Supreme National Security Council of Iran and Kyrgyzstan opposed the interference of the West in the internal affairs of the countries of the region and trying to impose their goals and demands.",
        "Ali Akbar Ahmadian, the Secretary of the Supreme National Security Council, and the Secretary of the Security Council of the Kyrgyz Republic Marat Imankulov in Bishkek expressed their concern about the actions of some Western countries in financing a number of terrorist outfits in Afghanistan and their efforts to increase their activities. These groups expressed themselves in Central Asia and the region.",
        "The secretaries of the Supreme National Security Council of Iran and Kyrgyzstan also opposed the interference of the western side in the internal affairs of the countries of the region and trying to impose their goals and demands.",
        "Also, the increase of cooperation in various political, security and military dimensions, especially in the fight against terrorism and ISIS, was one of the other axes of this meeting, which was emphasized by the parties.",
        "In the end, Iran's secretary of the Supreme National Security Council invited his Kyrgyz counterpart to visit Iran, which was welcomed by the secretary of the Kyrgyzstan Security Council.",
        "Ali Akbar Ahmadian, the representative of the Supreme Leader and the Secretary of the Supreme National Security Council, at the invitation of his Kyrgyz counterpart, left for Bishkek at the head of a delegation to participate in the 6th meeting of secretaries and national security advisers of the countries of the region regarding Afghanistan before noon on Thursday 26 Bahman 1402 ( February 15, 2024).",
        "The Islamic Republic of Iran is the organizer of this meeting, two of which have been held in Tehran so far.",
        "In these meetings, the highest national security officials of the countries of the region, including the Islamic Republic of Iran, Russia, China, India, Tajikistan, Kyrgyzstan, Kazakhstan, Uzbekistan and Turkmenistan are scheduled to discuss the most important security and political issues regarding Afghanistan and its results and consequences for the region its people.",
    ]
)


def _cleaned(name: str):
    (raw,) = read_file(SAMPLES / name)
    assert isinstance(raw, RawArticle)
    return clean(raw)


def test_tehran_bishkek_ties():
    article = _cleaned("iranpress-tehran-bishkek-ties.txt")
    assert article.title == "Tehran, Bishkek to boost bilateral ties, regional cooperation"
    assert article.dateline == Dateline(city="Tehran", agency="Iran Press")
    assert article.body == TEHRAN_BODY
    assert article.related_headlines == [
        "Kyrgyzstan's Dep. Chairman of Security Council arrives in Tehran",
        "Iran can enter Int'l markets via Kyrgyzstan: Kyrgyz top official",
        "Iran, Kyrgyzstan transport goods via Bandar Abbas: Road Minister",
        "Iran's Shamkhani discuss ties with Kyrgyz counterpart",
        "Kyrgyzstan ready to transport goods from China to Europe via Iran",
    ]
    assert (article.language, article.language_confidence is not None) == ("en", True)


def test_bishkek_security_secretaries():
    article = _cleaned("iranpress-bishkek-security-secretaries.txt")
    assert article.title is None  # the story arrived without its headline: the first line is the dateline
    assert article.dateline == Dateline(city="Bishkek", agency="Iran Press")
    assert article.body == BISHKEK_BODY
    assert article.related_headlines == ["Iran, Russia confer boosting security cooperation"]
    assert article.language == "en"


@pytest.mark.parametrize(
    "junk", ["Iran Press", "(IP)", "According to Iran press", "Related News", "Read More", "\n206"]
)
def test_no_boilerplate_survives_in_either_body(junk):
    assert junk not in TEHRAN_BODY and junk not in BISHKEK_BODY
