"""Write the JSON Schema of every message under ``schemas/json/`` for subscribers in other languages.

Run ``python -m schemas.export`` after changing a model; a test fails while the files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from schemas.articles import MESSAGE_MODELS

JSON_DIR = Path(__file__).with_name("json")


def rendered_schemas() -> dict[str, str]:
    """File name → JSON text of each message's schema, as it should be on disk."""
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(mode="serialization"), indent=2, sort_keys=True)
        + "\n"
        for name, model in MESSAGE_MODELS.items()
    }


def main() -> None:
    JSON_DIR.mkdir(exist_ok=True)
    for file_name, text in rendered_schemas().items():
        (JSON_DIR / file_name).write_text(text, encoding="utf-8")
        print(JSON_DIR / file_name)


if __name__ == "__main__":
    main()
