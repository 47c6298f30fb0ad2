"""IPTC Media Topics for an article: offline, fast, no training on evaluation data.

Each top-level topic (a beat) has a short newsroom lexicon below: the words reporters use for it. With a
pipeline that has word vectors, every word of the vocabulary speaks for the beat whose newsroom words it lies
closest to, when it lies close enough (cosine ≥ ``VECTOR_MIN_SIMILARITY``), weighted by how much closer it is
to that beat than to the runner-up: ``PlayStation`` and ``gamers`` count for technology though no list names
them, and a word about as near to two beats as to one counts for little. An article's score for a beat is that
beat's share of all its words' evidence (headline counted twice, repeats dampened): multi-label by nature, so
a minority beat keeps the share it has (a diplomacy story with a terrorism paragraph is politics 0.55,
conflict 0.16) and a threshold reads as "at least this much of the article is about it".
Without vectors, words are weighed against the IPTC taxonomy itself (the names and definitions of every topic
beneath a beat, shipped in ``data/iptc-mediatopics.json``) plus the lexicon, by how specific each is to one
beat, and a softmax turns the scores into shares.
Second-level topics are scored by the taxonomy and lexicon among their siblings (taxonomy plus a newsroom
lexicon for the most asked-for ones); a child holding a quarter of its siblings' share is reported, its score
the parent's share times its own.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.strings import get_string_id
from spacy.vectors import Vectors

from schemas import Topic

TAXONOMY = Path(__file__).with_name("data") / "iptc-mediatopics.json"
SPORT = "medtop:15000000"
SMOOTHING = 0.5
NEWSROOM_BOOST = 15  # a newsroom word counts as often as this many taxonomy mentions
TEMPERATURE = 0.5  # of the softmax over length-normalised lexical scores
VECTOR_MIN_SIMILARITY = 0.45  # cosine to a beat's nearest newsroom word for a word to speak for that beat
VECTOR_MIN_SHARE = 0.1  # of the evidence, for a top-level topic other than the best to be reported
MIN_SCORE = 0.05  # other top-level topics below this softmax share are not reported (the best one always is)
# The share sport must have, as the best topic, for a story to be read as a sports story (where a town is mostly
# its club). Every BBC sport article scores 0.36 or more; a story that is sport only by a hair (a supermoon seen
# "from New York to Las Vegas", 0.16) is not one, and its towns stay places.
SPORTS_STORY_MIN_SHARE = 0.25
MIN_CHILD_SHARE = 0.25  # a second-level topic must hold this share among its siblings…
MIN_CHILD_HITS = 3  # …and be named by at least this many matching words

# The words of each beat that newsrooms use and the taxonomy's definitions do not (codes: IPTC top level).
NEWSROOM = {
    "01": "film movie cinema actor actress singer album band music musician concert festival award oscar "
          "bafta grammy box-office star director theatre stage show television tv series comedy drama novel "
          "book author celebrity hollywood chart song hit release studio broadcaster radio museum exhibition "
          "artist gallery performance premiere soundtrack documentary channel audience viewers episode",
    "02": "police court trial judge arrest arrested charged prison jail murder lawyer sentence sentenced "
          "guilty crime criminal investigation fraud lawsuit prosecutor prosecution detective suspect victim "
          "convicted appeal verdict jury theft robbery smuggling corruption bribery lawyers legal",
    "03": "earthquake flood flooding fire wildfire crash accident explosion collapse rescue survivors "
          "casualties disaster emergency evacuated landslide hurricane storm tsunami derailed injured dead",
    "04": "economy economic company companies market markets shares profit profits bank banks growth sales "
          "firm firms investors investment prices inflation deal revenue billion million business trade "
          "oil stock stocks exports imports currency dollar euro interest rates customers retailer consumer "
          "earnings quarter financial finance tax budget debt merger takeover chief executive industry "
          "manufacturing factory airline energy gas transit goods",
    "05": "school schools university universities students student teachers teacher education exam exams "
          "pupils classroom curriculum college degree tuition",
    "06": "climate emissions pollution environmental wildlife carbon greenhouse conservation biodiversity "
          "recycling deforestation renewable species habitat",
    "07": "health hospital hospitals patients patient doctors doctor disease virus vaccine medical cancer "
          "drug drugs treatment nurses pandemic infection outbreak surgery medicine clinic",
    "08": "animal pet zoo birthday wedding quirky record-breaking anniversary",
    "09": "workers union unions strike jobs unemployment wages pension pensions employment employers "
          "staff redundancies layoffs minimum-wage labour-market",
    "10": "travel food fashion holiday holidays restaurant recipe tourism tourist hobby leisure",
    "11": "government minister ministers election elections party parties parliament president vote votes "
          "voters mps labour tory tories conservative conservatives liberal democrats policy prime campaign "
          "diplomatic diplomacy talks bilateral cooperation secretary council ministry cabinet opposition "
          "leader senate congress referendum politician politicians political ambassador embassy sanctions "
          "treaty summit chancellor legislation bill reform reforms lords commons downing whitehall "
          "manifesto spokesman officials official delegation relations visit counterpart regional",
    "12": "church religious religion muslim muslims christian christians islamic mosque pope priest faith "
          "bishop jewish hindu buddhist clergy worship",
    "13": "technology software computer computers internet online digital research scientists science "
          "mobile phone phones broadband users web website gadget gadgets device devices games gaming "
          "console microsoft apple google chip chips data network networks virus hackers security spam "
          "email search engine wireless robot space nasa satellite laboratory study researchers",
    "14": "community family families children poverty homeless welfare immigration migrants refugees "
          "discrimination gender equality rights charity population housing social",
    "15": "match matches team teams win won victory season cup league player players coach championship "
          "goal goals striker tournament final semi-final game club clubs football soccer rugby cricket "
          "tennis golf athletics olympic olympics medal race champion squad injury fixture scored "
          "international world-cup coach manager score",
    "16": "war military troops attack attacks soldiers army missile missiles strike strikes ceasefire peace "
          "rebels militants terrorism terrorist terrorists bomb bombing killed armed insurgents invasion "
          "occupation security airstrike airstrikes weapons defence defense hostages conflict violence "
          "clashes offensive nuclear navy admiral fighters isis",
    "17": "weather forecast rain snow temperatures heatwave drought wind cold sunny meteorological",
}  # fmt: skip

# The same for the second-level topics subscribers ask for most (codes: medtop:2000xxxx).
NEWSROOM_SECOND = {
    # international relations
    "20000638": "bilateral diplomatic diplomacy ambassador embassy envoy summit talks counterpart delegation "
                "foreign minister treaty sanctions relations visit cooperation regional interference",
    "20000593": "cabinet ministry ministers government prime minister president parliament decree",  # government
    "20000574": "election elections vote votes voters ballot polls campaign candidate candidates turnout",  # election
    "20000053": "terrorism terrorist terrorists isis al-qaeda militant militants bombing suicide extremist "
                "extremists jihadist attack",  # act of terror
    "20000056": "war troops soldiers army military airstrike airstrikes offensive shelling missile missiles "
                "frontline fighters clashes invasion",  # armed conflict
    "20000065": "protest protests protesters demonstrators riot riots unrest tear gas crackdown",  # civil unrest
    "20000073": "ceasefire truce peace talks negotiations mediation agreement",  # peace process
    "20000082": "murder theft robbery fraud smuggling trafficking drugs narcotics gang kidnapping",  # crime
    "20000106": "court judge trial verdict sentence appeal prosecutor jury",  # judiciary
    "20000129": "police arrest arrested officers detained raid investigation",  # law enforcement
    "20000148": "earthquake flood floods hurricane cyclone storm landslide tsunami wildfire drought",  # disaster
    "20000139": "crash accident collision derailment explosion fire collapse",  # accident and emergency incident
    "20000344": "inflation growth recession gdp unemployment interest rates central bank economy",  # economy
    "20000385": "shares stocks index market markets investors currency bond bonds trading",  # market and exchange
    "20000349": "company firm profits revenue chief executive merger acquisition takeover",  # business enterprise
    "20000446": "disease virus outbreak infection cancer ebola cholera malaria patients",  # disease and condition
    "20001358": "vaccine vaccination pandemic epidemic public health who",  # public health
    "20000756": "technology software internet mobile computer chip digital broadband device devices",  # technology
    "20000735": "research researchers scientists study discovery experiment",  # scientific research
}  # fmt: skip

# Nodes that list the subjects of other beats as industries ("products and services": computing, media,
# sport business, health care…). Their children's words are the subject matter, not the business angle, and
# let the business beat claim every technology or entertainment story; only the node itself counts.
SUBJECT_LISTS = {"medtop:20000209"}

_WORD = re.compile(r"[a-z][a-z'-]+")
# Words every definition uses and no beat owns.
_STOP = set(STOP_WORDS) | {
    "including", "related", "matters", "e.g.", "etc", "use", "used", "allowed", "allow", "make", "makes", "made",
    "way", "ways", "given", "takes", "take", "number", "numbers", "known", "form", "forms", "type", "types",
    "kind", "kinds",
}  # fmt: skip


@lru_cache(maxsize=65536)  # news vocabulary repeats: most words are stemmed once per worker
def _stem(word: str) -> str:
    word = word.strip("'-").removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed words without stop words, plus adjacent pairs (``prime minister``)."""
    words = [_stem(word) for word in _WORD.findall(text.lower()) if word not in _STOP and len(word) > 2]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True)
class Concept:
    code: str
    name: str
    parent: str | None
    level: int


@dataclass(frozen=True)
class Model:
    concepts: dict[str, Concept]
    weights: dict[str, dict[str, float]]  # topic code → term → weight
    children: dict[str, list[str]]


def _profile_weights(profiles: dict[str, Counter[str]]) -> dict[str, dict[str, float]]:
    """Term weights per topic: the log-ratio of the term's share in the topic's vocabulary to its share in
    all of them (smoothed), kept where positive. A topic with a vast vocabulary (sport names every sport)
    spreads its mass thin, so its generic words weigh little."""
    pooled = Counter[str]()
    for profile in profiles.values():
        pooled.update(profile)
    pooled_total = sum(pooled.values())
    vocabulary = len(pooled)
    weights = {}
    for code, profile in profiles.items():
        total = sum(profile.values())
        weights[code] = {
            term: ratio
            for term in profile
            if (ratio := math.log(((profile[term] + SMOOTHING) / (total + SMOOTHING * vocabulary))
                                  / ((pooled[term] + SMOOTHING) / (pooled_total + SMOOTHING * vocabulary)))) > 0
        }  # fmt: skip
    return weights


@lru_cache(maxsize=1)
def model() -> Model:
    document = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    concepts = {
        item["code"]: Concept(item["code"], item["name"], item["parent"], item["level"]) for item in document["topics"]
    }
    text_of = {item["code"]: f"{item['name']} {item['name']} {item['definition']}" for item in document["topics"]}
    children: dict[str, list[str]] = defaultdict(list)
    for concept in concepts.values():
        if concept.parent:
            children[concept.parent].append(concept.code)

    def subtree(code: str, top: bool) -> list[str]:
        if top and code in SUBJECT_LISTS:
            return [code]
        return [code] + [c for child in children.get(code, []) for c in subtree(child, top)]

    profiles: dict[str, Counter[str]] = {}
    for code, concept in concepts.items():
        if concept.level <= 2:
            members = subtree(code, top=concept.level == 1)
            profiles[code] = Counter(term for member in members for term in terms(text_of[member]))
    top = {code: profile for code, profile in profiles.items() if concepts[code].level == 1}
    for code, profile in top.items():
        profile.update(terms(NEWSROOM.get(code[7:9], "")) * NEWSROOM_BOOST)
    weights = _profile_weights(top)
    for code, words in NEWSROOM_SECOND.items():
        if f"medtop:{code}" in profiles:
            profiles[f"medtop:{code}"].update(terms(words) * NEWSROOM_BOOST)
    for parent in top:
        siblings = {child: profiles[child] for child in children.get(parent, []) if child in profiles}
        weights.update(_profile_weights(siblings) if len(siblings) > 1 else {})
    return Model(concepts, weights, dict(children))


def _scores(
    counts: Counter[str], codes: list[str], weights: dict[str, dict[str, float]]
) -> dict[str, tuple[float, int]]:
    """Per topic: the sum of its term weights over the text (repeats dampened) and how many terms hit."""
    result = {}
    for code in codes:
        topic_weights = weights.get(code, {})
        hits = counts.keys() & topic_weights.keys()
        # fsum is exact, so the score does not depend on the set's (hash-seeded) order.
        result[code] = (math.fsum(topic_weights[t] * (1 + math.log(counts[t])) for t in hits), len(hits))
    return result


def _softmax(values: dict[str, float], temperature: float) -> dict[str, float]:
    peak = max(values.values())
    exps = {code: math.exp((value - peak) / temperature) for code, value in values.items()}
    total = sum(exps.values())
    return {code: value / total for code, value in exps.items()}


@dataclass(frozen=True)
class WordBeats:
    """For each row of a word-vector table, how strongly its word speaks for each beat (``codes``): its
    similarity to the nearest newsroom word of the beat it is closest to, minus the runner-up beat's. A word
    equally close to two beats (one both lexicons list, like ``security``) shares that margin between them."""

    codes: list[str]
    weights: np.ndarray  # rows × beats
    key2row: dict[int, int]


_CASED_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def _vector_words(text: str) -> Counter[str]:
    return Counter(word for word in _CASED_WORD.findall(text) if word.lower() not in _STOP and len(word) > 2)


# Vector tables are not hashable: keyed by id, each entry holding its table so that the id stays its own.
_WORD_BEATS: dict[int, tuple[Vectors, WordBeats | None]] = {}


def word_beats(vectors: Vectors) -> WordBeats | None:
    """Which beat each word of the vocabulary speaks for, computed once per vector table; None when the
    pipeline has no word vectors."""
    if (cached := _WORD_BEATS.get(id(vectors))) is None:
        cached = _WORD_BEATS[id(vectors)] = (vectors, _word_beats(vectors))
    return cached[1]


def _word_beats(vectors: Vectors) -> WordBeats | None:
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        return None
    table = np.asarray(vectors.data, dtype=np.float32)
    key2row = vectors.key2row  # spaCy's own dict (514,157 keys in md): shared, not copied
    codes: list[str] = []
    seed_rows: list[int] = []
    starts: list[int] = []
    for code, words in sorted(NEWSROOM.items()):
        rows = sorted({row for word in words.split() if (row := key2row.get(get_string_id(word), -1)) >= 0})
        if rows:
            codes.append(f"medtop:{code}000000")
            starts.append(len(seed_rows))
            seed_rows.extend(rows)
    seeds = table[seed_rows]
    seeds /= np.maximum(np.linalg.norm(seeds, axis=1, keepdims=True), 1e-9)
    weights = np.zeros((len(table), len(codes)), dtype=np.float32)
    for begin in range(0, len(table), 4096):  # in slices, so the similarity matrix stays a few MB
        block = table[begin : begin + 4096]
        norms = np.linalg.norm(block, axis=1)
        per_beat = np.maximum.reduceat((block @ seeds.T) / np.maximum(norms, 1e-9)[:, None], starts, axis=1)
        best = per_beat.max(axis=1, keepdims=True)
        tied = per_beat >= best - 1e-6
        runner_up = np.where(tied, -1.0, per_beat).max(axis=1, keepdims=True)
        close = (best >= VECTOR_MIN_SIMILARITY) & (norms[:, None] > 0)
        margin = np.where(close & tied, (best - runner_up) / tied.sum(axis=1, keepdims=True), 0)
        weights[begin : begin + len(block)] = margin
    return WordBeats(codes, weights, key2row)


def _vector_evidence(text: str, beats: WordBeats) -> dict[str, float]:
    """How much the text's words speak for each beat (repeats dampened)."""
    rows, damped = [], []
    for word, count in _vector_words(text).items():
        row = beats.key2row.get(get_string_id(word), -1)  # as written: ``Apple`` is not ``apple``
        if row < 0:
            row = beats.key2row.get(get_string_id(word.lower()), -1)
        if row >= 0:
            rows.append(row)
            damped.append(1 + math.log(count))
    totals = np.asarray(damped) @ beats.weights[rows] if rows else np.zeros(len(beats.codes))
    return {code: float(total) for code, total in zip(beats.codes, totals, strict=True)}


def a_sports_story(topics: list[Topic]) -> bool:
    """Whether the topics, best first, say the story is about sport clearly enough for its towns to be clubs."""
    return bool(topics) and topics[0].code == SPORT and topics[0].score >= SPORTS_STORY_MIN_SHARE


def classify(title: str | None, body: str, vectors: Vectors | None = None) -> list[Topic]:
    """Top-level topics with their shares, best first, and second-level ones where clearly indicated.

    :param vectors: the NER pipeline's word vectors (``nlp.vocab.vectors``); without them the top level
        is scored by the taxonomy's words alone, which is markedly less accurate.
    """
    taxonomy = model()
    text = f"{title or ''} {title or ''} {body}"
    counts = Counter(terms(text))
    if not counts:
        return []
    scale = math.sqrt(sum(counts.values()))
    beats = word_beats(vectors) if vectors is not None else None
    if beats is not None:
        evidence = _vector_evidence(text, beats)
        if not (total := math.fsum(evidence.values())):
            return []
        shares, min_share = {code: value / total for code, value in evidence.items()}, VECTOR_MIN_SHARE
    else:
        level1 = [code for code, concept in taxonomy.concepts.items() if concept.level == 1]
        scored = _scores(counts, level1, taxonomy.weights)
        if not any(score for score, _ in scored.values()):
            return []
        shares, min_share = (
            _softmax({code: score / scale for code, (score, _) in scored.items()}, TEMPERATURE),
            MIN_SCORE,
        )
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    topics = [
        Topic(code=code, label=taxonomy.concepts[code].name, score=round(share, 3))
        for index, (code, share) in enumerate(ranked)
        if index == 0 or share >= min_share
    ]
    for parent in list(topics):  # the loop appends children
        children = [c for c in taxonomy.children.get(parent.code, []) if c in taxonomy.weights]
        if len(children) < 2:
            continue
        scored = _scores(counts, children, taxonomy.weights)
        if not any(score for score, _ in scored.values()):
            continue
        child_shares = _softmax({code: score / scale for code, (score, _) in scored.items()}, TEMPERATURE)
        for child, share in child_shares.items():
            if share >= MIN_CHILD_SHARE and scored[child][1] >= MIN_CHILD_HITS:
                label = taxonomy.concepts[child].name
                topics.append(Topic(code=child, label=label, score=round(parent.score * share, 3)))
    return sorted(topics, key=lambda topic: -topic.score)
