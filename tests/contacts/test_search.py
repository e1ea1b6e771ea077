import pytest

from contacts.search import searchable


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MÜLLER", "muller"),
        ("Müller", "muller"),
        ("O’Brien", "o'brien"),
        ("Groß", "gross"),
        ("Éloïse Ibáñez", "eloise ibanez"),
        ("が", "が"),  # the dakuten makes a different sound: kept
        ("김민준", "김민준"),  # Hangul syllables stay whole
        ("Παπαδόπουλος", "παπαδοπουλοσ"),  # casefold turns the final ς into σ
        ("Łukasz", "łukasz"),
    ],
)
def test_searchable_text(text: str, expected: str) -> None:
    assert searchable(text) == expected
