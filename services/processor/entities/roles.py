"""Posts the text gives persons by apposition: ``X, the Secretary of the Y`` → X → (Secretary, Y)."""

from __future__ import annotations

import re
from collections import defaultdict

from schemas import Entity, EntityType, Role
from services.processor.entities.vocabulary import TITLES

# Words a post is made of: "Secretary", "Vice President and Chairman", "Deputy Foreign Minister".
_POST_WORDS = TITLES | {"and", "general", "first", "acting", "former", "executive", "national", "security", "adviser"}


def _post(words: str) -> str | None:
    """The post in the words before ``of``, if they are one (the last few words that are all title words)."""
    tokens = words.split()
    post: list[str] = []
    for token in reversed(tokens[-5:]):
        if token.lower().strip(",") not in _POST_WORDS:
            break
        post.insert(0, token)
    while post and post[0].lower() in {"and", "the"}:
        post.pop(0)
    return " ".join(post) if post and post[-1].lower() in TITLES else None


# A role is stated as "<post> of <organisation>", its last word a title ("Secretary of", "Minister of").
_WORD_BEFORE_OF = re.compile(r"([\w.-]+),? of\s")


def _post_before_of(text: str) -> bool:
    return any(match.group(1).lower() in TITLES for match in _WORD_BEFORE_OF.finditer(text))


def attach_roles(entities: list[Entity], text: str) -> list[Entity]:
    """Posts the text gives persons, by apposition: ``Ali Akbar Ahmadian, the Secretary of the Supreme
    National Security Council`` and ``the Secretary of the Security Council of the Kyrgyz Republic Marat
    Imankulov`` → person → (post, organisation)."""
    names = {
        alias: entity.name
        for entity in entities
        if entity.type in {EntityType.PERSON, EntityType.ORGANIZATION}
        for alias in [entity.name, *entity.aliases]
        if len(alias) > 2
    }
    type_of = {entity.name: entity.type for entity in reversed(entities)}  # the first entity of a name wins
    persons = [alias for alias, name in names.items() if type_of[name] is EntityType.PERSON]
    organizations = [alias for alias, name in names.items() if type_of[name] is EntityType.ORGANIZATION]
    if not persons or not organizations or not _post_before_of(text):
        return entities  # the patterns below are built per article: not worth it without a post before "of"
    person = "|".join(re.escape(p) for p in sorted(persons, key=len, reverse=True))
    organization = "|".join(re.escape(o) for o in sorted(organizations, key=len, reverse=True))
    words = r"((?:[A-Za-z-]+,? ){1,6}?)"
    after = re.compile(
        rf"(?P<person>{person}),\s+(?:the\s+)?{words}of\s+(?:the\s+)?(?:\w+['’]s?\s+)?(?P<org>{organization})"
    )
    before = re.compile(rf"{words}of\s+(?:the\s+)?(?P<org>{organization}),?\s+(?P<person>{person})\b")
    roles: dict[str, list[Role]] = defaultdict(list)
    for pattern in (after, before):
        for match in pattern.finditer(text):
            post = _post(match.group(2 if pattern is after else 1))
            if post is None:
                continue
            role = Role(title=post, organization=names[match.group("org")])
            holder = names[match.group("person")]
            if role not in roles[holder]:
                roles[holder].append(role)
    return [entity.model_copy(update={"roles": roles[entity.name]}) if entity.name in roles else entity
            for entity in entities]  # fmt: skip
