"""Who the connected organizer is: the identity "me" endpoint (goto-api.md §1.4)."""

from __future__ import annotations

from dataclasses import dataclass

from gotoplugins.http import GoToApi
from gotoplugins.types import Record

ME_PATH = "/identity/v1/Users/me"
GETGO_EXTENSION = "urn:scim:schemas:extension:getgo:1.0"


@dataclass(frozen=True)
class Organizer:
    organizer_key: str
    account_key: str
    email: str
    name: str


def get_me(api: GoToApi) -> Organizer:
    """The SCIM profile of the token's user: `id` is the organizer key (§1.4 step 2)."""
    me = Record(api.get(ME_PATH), "me")
    name = me.record("name")
    parts = (name.text("givenName"), name.text("familyName")) if name else ()
    full_name = " ".join(part for part in parts if part)
    return Organizer(
        organizer_key=me.key("id"),
        account_key=_account_key(me),
        email=me.text("userName") or _primary_email(me),
        name=full_name,
    )


def _account_key(me: Record) -> str:
    extension = me.record(GETGO_EXTENSION)
    accounts = (extension.records("accounts") if extension else []) or me.records("accounts")
    return accounts[0].optional_key("value") if accounts else ""


def _primary_email(me: Record) -> str:
    emails = me.records("emails")
    primary = next((e for e in emails if e.boolean("primary")), emails[0] if emails else None)
    return primary.text("value") if primary else ""
