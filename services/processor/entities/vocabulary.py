"""What the words around a name say about it: titles, agencies, organisation heads, the model's labels."""

from __future__ import annotations

from schemas import EntityType

# en_core_web_md 3.7.1 (Explosion's files, MIT) as packaged on PyPI: the small model with 20,000 word vectors,
# which carry it over names it never saw in training (CoNLL F1 0.70 → 0.76 at the same speed; decisions.md).

LABELS = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.LOCATION,
    "LOC": EntityType.LOCATION,
    "FAC": EntityType.LOCATION,
    "NORP": EntityType.MISC,
    "EVENT": EntityType.MISC,
    "LAW": EntityType.MISC,
    "PRODUCT": EntityType.MISC,
    "WORK_OF_ART": EntityType.MISC,
    "LANGUAGE": EntityType.MISC,
}

# Words that stand before a name without being part of it.
TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "drs", "prof", "professor", "sir", "dame", "lord", "lady", "rear", "vice",
    "admiral", "general", "gen", "lt", "lieutenant", "colonel", "col", "major", "maj", "captain", "capt",
    "commander", "sergeant", "sgt", "brigadier", "marshal", "field", "president", "vice-president", "minister",
    "secretary", "secretary-general", "chairman", "chairwoman", "chair", "ambassador", "senator", "sen", "rep",
    "representative", "congressman", "congresswoman", "governor", "gov", "mayor", "chancellor", "premier",
    "king", "queen", "prince", "princess", "sheikh", "shaikh", "emir", "sultan", "ayatollah", "imam", "pope",
    "cardinal", "bishop", "archbishop", "rabbi", "reverend", "rev", "judge", "justice", "deputy", "foreign",
    "prime", "interior", "defence", "defense", "finance", "chief", "spokesman", "spokeswoman", "spokesperson",
    "director", "head", "leader", "envoy", "coach", "striker", "midfielder", "defender", "goalkeeper",
    "manager", "officer", "inspector", "detective", "agent", "mr.", "mrs.", "ms.", "dr.", "st", "saint", "ceo",
    "cfo", "coo", "cto",
}  # fmt: skip
# News agencies are who reports, not who the news is about; and words the model mistakes for names.
AGENCIES = {
    "iran press", "ip", "irna", "isna", "tasnim", "mehr", "fars", "reuters", "afp", "ap", "associated press",
    "agence france-presse", "xinhua", "tass", "ria novosti", "anadolu", "dpa", "efe", "ansa", "upi", "bbc news",
    "cnn", "kyodo", "yonhap", "bernama", "press tv", "presstv", "wam", "spa", "kuna", "qna", "sana", "petra",
}  # fmt: skip
EDGE_WORDS = {"the", "of", "and", "for", "in", "on", "at", "a", "an", "'s", "’s"}
# The lower-case words between a given name and a surname: "Thomas de Maiziere", "Ursula von der Leyen".
NAME_PARTICLES = {
    "de", "da", "do", "dos", "du", "del", "della", "di", "van", "von", "der", "den", "ter", "la", "le", "bin", "ibn",
    "al",
}  # fmt: skip
# Titles only a person carries: a span the model typed otherwise that starts so is a person.
PERSON_TITLES = {
    "mr", "mrs", "ms", "dr", "drs", "rear", "admiral", "general", "president", "minister", "secretary", "ambassador",
    "senator", "ayatollah", "sheikh", "king", "queen", "prince", "princess", "pope", "colonel", "captain",
    "lieutenant", "sir", "chancellor", "governor", "mayor",
}  # fmt: skip
# The word an organisation's name ends in; capitalised words after it in one span are someone's name.
ORG_HEADS = {
    "council", "republic", "ministry", "party", "committee", "union", "organization", "organisation", "bank",
    "company", "corporation", "agency", "court", "assembly", "parliament", "army", "forces", "guard", "police",
    "university", "institute", "federation", "association", "commission", "office", "department", "government",
    "administration", "league", "club", "group", "front", "movement", "fund", "authority", "service", "board",
}  # fmt: skip
# The last word of an event's, a competition's or an award's name: "Brazilian Grand Prix", "World Cup",
# "Mobile World Congress" is not here (a congress is also a legislature), nor "Games" (Epic Games).
EVENT_ENDINGS = {
    "prix", "cup", "championship", "championships", "olympics", "olympiad", "paralympics", "festival", "awards",
    "award", "prize", "prizes", "expo", "bowl", "marathon", "tournament", "trophy", "oscars", "grammys", "emmys",
    "baftas", "globes", "week", "parade",
}  # fmt: skip
# In a sports story these end a competition's name: "Champions League", "Six Nations", "US Open", "World Series".
SPORT_EVENT_ENDINGS = {"league", "nations", "series", "open", "masters", "classic", "tour", "games", "derby", "slam"}
# Awards newsrooms name by one word, which the model takes for a person or an organisation.
AWARDS = {"oscar", "grammy", "emmy", "bafta", "nobel", "pulitzer", "booker", "tony awards", "golden globe"}
# Nouns a work's title follows: "the 2003 film Kill Bill", "the movie “Kill Bill”", "his song Purple Rain".
WORK_NOUNS = {
    "film", "movie", "song", "album", "single", "book", "novel", "memoir", "series", "show", "sitcom", "play",
    "musical", "documentary", "opera", "soundtrack", "painting", "poem",
}  # fmt: skip
# Words for what a person does, written before the name like a title: "singer John Legend", "model Chrissy
# Teigen", "safety Morgan Burnett".
ROLE_NOUNS = {
    "singer", "actor", "actress", "model", "rapper", "comedian", "musician", "writer", "author", "novelist",
    "poet", "director", "producer", "photographer", "journalist", "reporter", "correspondent", "columnist",
    "editor", "analyst", "economist", "scientist", "researcher", "astronaut", "lawyer", "attorney", "player",
    "driver", "quarterback", "safety", "linebacker", "receiver", "pitcher", "batsman", "bowler", "jockey",
    "cyclist", "boxer", "golfer", "teammate", "rival", "star", "veteran", "founder", "co-founder", "ceo",
    "chief", "executive", "designer", "artist", "activist", "businessman", "businesswoman", "billionaire",
    "entrepreneur", "pilot", "dr", "drs", "mp", "mep", "candidate", "frontman", "guitarist", "drummer",
}  # fmt: skip
# The last word of a place's name below the gazetteer's cities: streets, stations, landmarks, features. Not the
# ones that are also surnames (Hill, Lane, Gate, Bay): "Anthony Hill" is a person.
PLACE_ENDINGS = {
    "road", "street", "avenue", "boulevard", "square", "junction", "corner", "station", "airport", "column",
    "highway", "motorway", "canal", "harbour", "harbor", "island", "islands", "mountains", "valley", "river",
    "lake", "strait", "peninsula", "desert", "stadium", "arena", "plaza", "quay", "wharf", "docks", "building",
    "cathedral", "mosque", "ballroom", "mall",
}  # fmt: skip
# Two words that end a venue's name, where the last alone ends institutions' too ("Gaylord Convention Center",
# "ExCeL Exhibition Centre", not "Johnson Space Center" or "Pew Research Center").
VENUE_ENDINGS = {
    "convention center", "convention centre", "conference center", "conference centre", "exhibition center",
    "exhibition centre", "events center", "events centre", "shopping center", "shopping centre", "sports center",
    "sports centre", "leisure centre",
}  # fmt: skip
# Landmarks' endings that are surnames too ("Barbara Castle", "John Tower"): a place only where the model did
# not say person.
LANDMARK_ENDINGS = {"bridge", "tower", "castle", "abbey", "park"}  # not "hall": "Seton Hall said", "Prentice Hall"
# The last word of an institution's name, which the model often reads as a building (a place) or a person:
# "Cincinnati Zoo", "Sandy Hook Elementary School", "Houston Methodist Hospital", "Vatican Observatory".
INSTITUTION_ENDINGS = {
    "zoo", "hospital", "school", "college", "university", "academy", "observatory", "clinic", "seminary",
    # and newsrooms, which the model takes for persons: "ABC News", "Sunday Times" (not "Post": "Emily Post")
    "news", "times", "journal", "herald", "tribune", "gazette", "telegraph", "chronicle",
}  # fmt: skip
# The first word of a place's name where it comes first, as in French, Italian and Spanish streets and in lakes:
# "Promenade des Anglais", "Piazza del Popolo", "Lake Geneva". Not "Fort" or "Mount": "Fort Worth Police
# Department", "Mount Sinai" (the hospital) are not places.
PLACE_HEADS = {"rue", "avenue", "boulevard", "promenade", "piazza", "plaza", "lake"}
# How a German street's or square's one-word name ends: "Ebertstrasse", "Alexanderplatz", "Karl-Marx-Allee".
PLACE_SUFFIXES = ("strasse", "straße", "platz", "allee")
# What parties are called for short, which the model takes for nationalities or persons: "Social Democrats",
# "Tories", "Lib Dems".
PARTY_SHORT_FORMS = {
    "democrats", "dems", "republicans", "tories", "tory", "conservatives", "socialists", "greens", "liberals",
    "communists", "labour", "nationalists", "lib dem", "lib dems", "sinn fein", "sinn féin",
}  # fmt: skip
# One party under its everyday names: one id for "Tories", "Tory" and "Conservatives".
PARTY_NAMES = {
    "tory": "Conservative Party", "tories": "Conservative Party", "conservatives": "Conservative Party",
    "conservative party": "Conservative Party", "lib dem": "Liberal Democrats", "lib dems": "Liberal Democrats",
    "liberal democrats": "Liberal Democrats", "labour": "Labour Party", "labour party": "Labour Party",
}  # fmt: skip
# Nouns that introduce an organisation's name: "the newspaper Chosun Ilbo", "public broadcaster WDR", "research
# firm IDC", "case maker Olixar", "retail group Metro". Not the nouns a person's name also follows ("publisher",
# "operator", "investor").
ORGANIZATION_NOUNS = {
    "newspaper", "daily", "tabloid", "weekly", "magazine", "broadcaster", "network", "channel", "website", "blog",
    "outlet", "firm", "company", "maker", "manufacturer", "carmaker", "automaker", "chipmaker",
    "retailer", "supermarket", "chain", "carrier", "airline", "startup", "start-up", "conglomerate",
    "bank", "lender", "insurer", "brand", "label", "group", "charity", "nonprofit", "non-profit",
    "watchdog", "regulator", "band", "club", "party", "union", "broadcasters", "newspapers", "firms",
    "companies", "banks", "airlines", "groups", "parties", "unions", "clubs", "bands",
}  # fmt: skip
# Nouns whose "of" introduces a place: "the village of Nabi Saleh", "the port of Yeosu".
PLACE_NOUNS = {
    "village", "town", "city", "port", "province", "region", "state", "island", "district", "county", "suburb",
    "neighbourhood", "neighborhood", "municipality", "township", "enclave", "governorate", "prefecture",
    "hamlet", "borough", "capital", "villages", "towns", "cities", "provinces", "islands",
}  # fmt: skip
# Technologies and formats, which the model tags as organisations or places in technology news ("add wallpapers
# via USB", "VR headsets", "an EV maker"): never a name of the guide's kinds. Compared as written: "Lord Ram",
# a "Ram" truck and the NFL's "NFC" are names.
TECHNOLOGY_TERMS = {
    "USB", "LCD", "LED", "OLED", "VR", "EV", "EVs", "GPS", "HD", "HDR", "4K", "8K", "SSD", "CPU", "GPU", "RAM",
    "PDF", "SMS", "API", "3D", "4G", "5G", "LTE", "Wi-Fi", "WiFi", "Bluetooth", "RNA", "PCR", "MRI",
}  # fmt: skip
# Nouns for a country's people that are also names or look like them: "the Finn", "the Brit", "the Swede", which
# the model reads as persons or organisations; after "the" they stand for a person the story names otherwise.
DEMONYM_NOUNS = {
    "finn", "brit", "briton", "swede", "dane", "scot", "pole", "turk", "serb", "croat", "kiwi", "aussie",
    "spaniard", "frenchman", "dutchman", "welshman", "englishman", "irishman", "scotsman", "argentine", "czech",
}  # fmt: skip
# Letters after a person's name for an order, an honour, a degree or a seat: "Guy Consolmagno S.J.", "Sir Mo
# Farah CBE", "Jane Smith MP", compared without a final full stop. Not "Jr.", which is part of the name, nor "KC"
# (a Nepali surname).
POST_NOMINALS = {
    "s.j", "sj", "o.p", "obe", "mbe", "cbe", "kbe", "dbe", "qc", "mp", "mep", "msp", "phd", "ph.d", "m.d", "esq",
}  # fmt: skip
# Nouns a place's name stands before, in lower case: "Ofer prison", "the Interlagos circuit", "Guanacaste
# province". Not nouns a company's or a person's name also takes ("plant", "campaign", "store", "track": a
# singer's track). An organisation the model saw takes only a venue's ("the Interlagos circuit", not "the Azure
# region").
PLACE_NOUNS_AFTER = {
    "prison", "jail", "airport", "airbase", "circuit", "racetrack", "raceway", "province", "region", "district",
    "county", "village", "river", "valley", "desert", "peninsula", "island", "islands", "strait", "archipelago",
}  # fmt: skip
VENUE_NOUNS_AFTER = {"prison", "jail", "airport", "airbase", "circuit", "racetrack", "raceway"}
# Nouns after such a noun that make the whole a thing of the name's: "the Netflix prison drama", "TSA airport
# lines", "a prison term".
NOT_A_PLACE_AFTER = (
    "drama",
    "dramas",
    "series",
    "show",
    "shows",
    "film",
    "movie",
    "documentary",
    "lines",
    "line",
    "coach",
    "team",
    "term",
    "sentence",
    "sentences",
    "guard",
    "guards",
    "staff",
    "workers",
    "officials",
    "record",
    "season",
)
# Social platforms, which stories name as where someone spoke ("said on Twitter"): companies, so organisations,
# though the model reads them as persons, works or products.
PLATFORMS = {
    "twitter", "facebook", "instagram", "youtube", "tiktok", "snapchat", "whatsapp", "telegram", "linkedin",
    "reddit", "weibo", "wechat", "pinterest", "tumblr", "twitch", "bluesky", "mastodon",
}  # fmt: skip
# Words a club's name puts after its town's: "Manchester City", "Leeds United", "Bristol Rovers" (not "Mexico City",
# which the gazetteer knows as a place, nor "County": "Orange County" is one).
CLUB_ENDINGS = {
    "city", "united", "rovers", "athletic", "wanderers", "albion", "hotspur", "rangers", "fc", "afc", "town",
}  # fmt: skip
