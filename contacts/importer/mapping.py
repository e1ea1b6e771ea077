"""Mapping CSV columns to contact fields: guessing from headers, checking the choice."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import models
from django.utils.text import capfirst

from contacts.models import CONTACT_FIELDS, Contact

CUSTOM_PREFIX = "custom:"

IMPORT_TARGETS = ("email", *CONTACT_FIELDS)

# Header spellings, compared after _header_key() (accents dropped, case-folded, alphanumerics only).
HEADER_ALIASES: dict[str, frozenset[str]] = {
    target: frozenset(spellings.split())
    for target, spellings in {
        "email": "email emailaddress mail mailaddress emailadresse courriel correo "
        "correoelectronico workemail businessemail",
        "first_name": "firstname first givenname forename vorname prenom nombre",
        "last_name": "lastname last surname familyname nachname nom apellido apellidos",
        "company": "company companyname organisation organization org firma unternehmen "
        "employer account accountname societe entreprise empresa",
        "job_title": "jobtitle title position role jobrole funktion poste cargo",
        "phone": "phone phonenumber telephone tel mobile mobilephone cell cellphone telefon "
        "telefonnummer telefono handy mobil",
        "country": "country countryname countrycode land pays pais",
        "time_zone": "timezone tz zeitzone",
    }.items()
}


def field_label(target: str) -> str:
    if target.startswith(CUSTOM_PREFIX):
        return f"Custom field “{target.removeprefix(CUSTOM_PREFIX)}”"
    return str(capfirst(contact_model_field(target).verbose_name))


def contact_model_field(name: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", Contact._meta.get_field(name))


def column_label(headers: Sequence[str], index: int) -> str:
    return headers[index] if index < len(headers) and headers[index] else f"Column {index + 1}"


def column_choices(header: str) -> list[tuple[str, str]]:
    choices = [("", "— skip this column —")]
    choices += [(target, field_label(target)) for target in IMPORT_TARGETS]
    if header:
        target = f"{CUSTOM_PREFIX}{header}"
        choices.append((target, field_label(target)))
    return choices


def _header_key(header: str) -> str:
    decomposed = unicodedata.normalize("NFKD", header.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Column index (as a string) -> target; a field goes to the first column that matches."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = _header_key(header)
        target = next(
            (
                name
                for name, aliases in HEADER_ALIASES.items()
                if key in aliases and name not in taken
            ),
            "",
        )
        taken.add(target)
        mapping[str(index)] = target
    return mapping


def mapping_problems(mapping: Mapping[str, str], headers: Sequence[str]) -> list[str]:
    """What stops this mapping from being imported, as sentences; empty when it is fine."""
    columns: dict[str, list[str]] = {}
    for key, target in mapping.items():
        if not target:
            continue
        index = int(key)
        if index >= len(headers) or target not in dict(column_choices(headers[index])):
            label = column_label(headers, index)
            return [f"{field_label(target)} is not a choice for the column {label}."]
        columns.setdefault(target, []).append(column_label(headers, index))
    problems = []
    if "email" not in columns:
        problems.append("Choose the column that holds the email address.")
    for target, labels in columns.items():
        if len(labels) > 1:
            names = ", ".join(f"“{label}”" for label in labels)
            problems.append(
                f"{field_label(target)} is chosen for more than one column ({names}); "
                f"choose it for one column only."
            )
    return problems
