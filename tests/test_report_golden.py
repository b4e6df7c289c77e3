"""Golden files: the brief of every bundled example story in JSON, Markdown and HTML, with the
real model (float32). After an intended change, regenerate them with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_report_golden.py`` and review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest

from corroborate.report import brief_to_dict, brief_to_html, brief_to_markdown

GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "brief.schema.json"
STORIES = ("factory-fire", "rate-decision", "summit")


def _rendered(brief) -> dict[str, str]:  # type: ignore[no-untyped-def]
    doc = brief_to_dict(brief)
    return {"json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
            "md": brief_to_markdown(doc), "html": brief_to_html(doc)}


@pytest.mark.parametrize("story", STORIES)
def test_brief_matches_golden_files(example_briefs, story: str) -> None:  # type: ignore[no-untyped-def]
    rendered = _rendered(example_briefs[story])
    jsonschema.validate(json.loads(rendered["json"]), json.loads(SCHEMA.read_text()))
    for fmt, text in rendered.items():
        path = GOLDEN / f"{story}.brief.{fmt}"
        if os.environ.get("UPDATE_GOLDEN"):
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1"
        assert text == path.read_text(encoding="utf-8"), (
            f"{story} brief ({fmt}) differs from {path}; if intended, regenerate with "
            "UPDATE_GOLDEN=1 and review the diff")
