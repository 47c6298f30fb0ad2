"""Mentions → entities, in passes whose order matters (each pass says what the later ones rely on):

1. **Split and trim** (``names``, ``tables``): a headline's span that runs on past a name the story gives is
   that name (``Grammys Leadership`` → ``Grammys``); a span the model ran over several names is cut where names never
   join; a score or a dateline's date it took in is cut off; ``Council of X Marat Imankulov`` gives two.
2. **Clean** (``names``): photo credits and bylines go; titles, ``the``, possessives and agencies go; a title
   makes a person. Words the text also writes in lower case are dropped. Merges below compare clean names, so
   this comes first.
3. **Type** (``retyping``): the context corrects the model — the noun before a name (``research firm IDC``, ``the
   village of Nabi Saleh``: ``appositions``) types it and every other mention of it, a one-word name with a score
   is a team, a place the gazetteer knows is a place unless the text gives it to a person, a town in a sports
   story is its club, a social platform is a company.
4. **Group and merge** (``merging``): one group per folded name, then ``X of <place>`` → ``X``, acronym →
   expansion, surname → full name, two names of one GeoNames place → one, a party's everyday names → one.
   Surnames merge after acronyms so that an acronym's group is whole when a person's name is matched.
5. **Rank and locate**: salience from where the mentions stand, a canonical name, coordinates for places
   (the article's countries settle an ambiguous town), then posts by apposition (``roles``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from schemas import Entity, EntityType, entity_id
from services.processor.entities.acronyms import acronyms_in
from services.processor.entities.mention import Mention
from services.processor.entities.merging import (
    CLUB,
    Group,
    canonical,
    in_a_companys_context,
    merge_acronyms,
    merge_partial_person_names,
    merge_party_names,
    merge_qualified_organizations,
    merge_same_places,
    merge_short_company_names,
)
from services.processor.entities.names import (
    a_common_word,
    a_demonym_noun,
    a_page_label,
    a_title_as_a_name,
    clean_name,
    common_words,
    in_call_to_action,
    in_credit,
    named_in_a_sentence,
    split_joined,
    split_trailing_person,
    stems_of,
    story_names,
    to_the_storys_name,
    trim_title_case,
    with_month_surname,
)
from services.processor.entities.retyping import TypeContext
from services.processor.entities.roles import attach_roles
from services.processor.entities.tables import trim_figures
from services.processor.entities.vocabulary import LABELS, PARTY_NAMES
from services.processor.places import fold, locate


def resolve(mentions: Iterable[Mention], text: str, *, max_entities: int = 50, sport: bool = False) -> list[Entity]:
    """Mentions → entities: cleaned, typed by the gazetteer, merged, counted, ranked by salience.

    :param sport: the article is a sports story, where a town or county is its club unless it is where
        something happens (``Leeds beat Surrey``, but ``in Leeds``).
    """
    cleaned = clean_mentions(mentions, text)
    context = TypeContext.of(cleaned, text, sport=sport)
    groups: dict[str, Group] = defaultdict(Group)
    for mention, (name, entity_type) in cleaned:
        entity_type, club = context.type_of(mention, name, entity_type)
        # The club and its town are two entities when both are named ("Seattle 9 Baltimore 6 … in Seattle").
        groups[fold(name) + (CLUB if club else "")].count(name, entity_type, mention.weight)
    merge_qualified_organizations(groups)
    merge_short_company_names(
        groups,
        {fold(name) for mention, (name, _) in cleaned if in_a_companys_context(text, mention.start, mention.text)},
    )
    merge_acronyms(groups, acronyms_in(text))
    merge_partial_person_names(groups)
    merge_same_places(groups)
    merge_party_names(groups)
    return attach_roles(locate_places(ranked(groups), max_entities), text)


def clean_mentions(mentions: Iterable[Mention], text: str) -> list[tuple[Mention, tuple[str, EntityType]]]:
    """Passes 1 and 2: each mention split, trimmed and cleaned, with its clean name and the type it gives."""
    lower_case = common_words(text)
    lower_case_stems = stems_of(lower_case)
    mentions = list(mentions)
    named = story_names(mentions, text)
    return [
        (mention, cleaned)
        for mention in (
            part
            for whole in (to_the_storys_name(mention, text, named) for mention in mentions)
            for name in split_joined(whole)
            for trimmed in trim_title_case(name, text, lower_case_stems)
            for part in split_trailing_person(with_month_surname(trim_figures(trimmed, text), text))
        )
        if not in_credit(text, mention)
        and not in_call_to_action(text, mention)
        and not a_demonym_noun(text, mention)
        and not a_page_label(text, mention, lower_case)
        and (cleaned := _cleaned(mention, text)) is not None
        and not a_common_word(cleaned[0], lower_case)
    ]


def _cleaned(mention: Mention, text: str) -> tuple[str, EntityType] | None:
    """``clean_name``, keeping an agency's name where a sentence names it (looked at only for the few names
    cleaning drops)."""
    label = LABELS[mention.label]
    if mention.label == "PERSON" and a_title_as_a_name(text, mention):
        return mention.text, EntityType.PERSON  # "Prince, who died in 2016"
    return clean_name(mention.text, label) or (
        clean_name(mention.text, label, agency=True) if named_in_a_sentence(text, mention) else None
    )


def ranked(groups: dict[str, Group]) -> list[Entity]:
    """One entity per group, most salient first; salience is the group's weight over the top group's."""
    if not groups:
        return []
    top = max(group.weight for group in groups.values())
    entities = []
    for group in sorted(groups.values(), key=lambda g: (-g.weight, -g.mentions)):
        name = canonical(group)
        entities.append(
            Entity(
                name=name,
                type=group.type,
                aliases=sorted(alias for alias in group.names if alias != name),
                mentions=group.mentions,
                salience=round(group.weight / top, 3),
            )
        )
    return entities


def locate_places(entities: list[Entity], limit: int) -> list[Entity]:
    """The first ``limit`` entities with their ids; places with coordinates and under the gazetteer's name
    (``UK`` → ``United Kingdom``, the text's forms kept as aliases): the countries the article names (all of
    them) settle an ambiguous town."""
    countries = frozenset(
        place.geo.country_code or ""
        for entity in entities
        if entity.type is EntityType.LOCATION and (place := locate(entity.name)) and place.is_country
    )
    located = []
    for entity in entities[:limit]:
        place = locate(entity.name, countries) if entity.type is EntityType.LOCATION else None
        if place is None:
            party = PARTY_NAMES.get(fold(entity.name)) if entity.type is EntityType.ORGANIZATION else None
            if party:  # a party under its own name: "Tories" → "Conservative Party"
                aliases = sorted({*entity.aliases, entity.name} - {party})
                entity = entity.model_copy(update={"name": party, "aliases": aliases})
            located.append(entity.model_copy(update={"id": entity_id(entity.type, entity.name)}))
            continue
        # A country under its own name ("UK" → "United Kingdom"); a town keeps the text's spelling.
        name = place.name if place.is_country else entity.name
        aliases = sorted({*entity.aliases, entity.name} - {name})
        geonames_id = place.geo.geonames_id
        update = {
            "name": name,
            "aliases": aliases,
            "geo": place.geo,
            "id": entity_id(entity.type, "", geonames_id),
        }
        located.append(entity.model_copy(update=update))
    return located
