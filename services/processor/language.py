"""Language identification with a confidence, from py3langid's model shipped inside the package."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The lead is enough to identify a language, and long texts cost time for nothing.
_SAMPLE_CHARS = 3000
# Below this, the classifier is guessing (short or mixed texts); a source's own hint is then better.
MIN_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, hint: str | None = None) -> tuple[str | None, float | None]:
    """ISO 639-1 code and confidence in [0, 1]; the hint wins when the text is too ambiguous to tell."""
    sample = text[:_SAMPLE_CHARS].strip()
    if not sample:
        return hint, None
    code, confidence = _identifier().classify(sample)
    confidence = round(float(confidence), 4)
    if confidence < MIN_CONFIDENCE and hint:
        return hint, None
    return str(code), confidence
