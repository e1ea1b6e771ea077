"""The text contact search compares: case, accents and apostrophe styles do not matter."""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
# Only the general diacritics block (é, ü, ñ, Greek tonos): marks that change a letter's
# identity in other scripts, such as the Japanese dakuten in が, are kept.
LATIN_DIACRITICS = re.compile("[\u0300-\u036f]")


def searchable(text: str) -> str:
    """'MÜLLER', 'Müller' and 'muller' all give 'muller'; 'O’Brien' gives "o'brien"."""
    folded = text.translate(APOSTROPHES).casefold()
    stripped = LATIN_DIACRITICS.sub("", unicodedata.normalize("NFD", folded))
    return unicodedata.normalize("NFC", stripped)
