from hypothesis import given
from hypothesis import strategies as st

from corroborate.textnorm import article_id, clean_text, normalise_for_identity


@given(st.text())
def test_identity_normalisation_is_idempotent(text: str) -> None:
    once = normalise_for_identity(text)
    assert normalise_for_identity(once) == once


@given(st.text())
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


def test_article_id_ignores_case_quotes_and_spacing_but_not_outlet() -> None:
    a = article_id("He said “yes”  today.", "Pacific Wire")
    assert a == article_id('he said "yes" today.', "pacific  wire")
    assert a != article_id('he said "yes" today.', "Daily Ledger")
    assert len(a) == 16


def test_clean_text_keeps_paragraphs() -> None:
    assert clean_text("A  b\r\n\r\n\r\n\r\nC\u00a0d ") == "A b\nC d"
