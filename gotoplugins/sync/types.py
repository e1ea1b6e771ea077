"""What the product sources hand to the writer: product-neutral, already typed, no raw JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Window:
    """The schedule range the catalogue is read in, and the start of "recently ended"."""

    start: datetime
    end: datetime
    full: bool  # the whole PAST_DAYS..FUTURE_DAYS range: every event's participants are read


@dataclass(frozen=True)
class Occurrence:
    """One scheduled or held session of an event; `key` is GoTo's session key when known."""

    start: datetime
    end: datetime | None
    key: str = ""


@dataclass(frozen=True)
class Entry:
    """One event as GoTo describes it now (a webinar, training, meeting or assist session)."""

    key: str
    subject: str
    description: str = ""
    times: tuple[Occurrence, ...] = ()
    time_zone: str = ""
    registration_url: str = ""
    # False when GoTo only told us some sessions (meetings: the next one and recent held ones),
    # so the sessions stored earlier are kept.
    times_complete: bool = True
    # Assist sessions carry their one participant in the listing itself.
    listed_participants: Participants | None = None

    @property
    def starts_at(self) -> datetime | None:
        return min((t.start for t in self.times), default=None)

    @property
    def ends_at(self) -> datetime | None:
        ends = [t.end or t.start for t in self.times]
        return max(ends, default=None)

    def has_started(self, now: datetime) -> bool:
        return any(t.start <= now for t in self.times)


@dataclass(frozen=True)
class Person:
    """Someone GoTo lists. `whole_name` marks a single name field GoTo never split."""

    email: str
    first_name: str = ""
    last_name: str = ""
    whole_name: bool = False


@dataclass(frozen=True)
class RegistrationRow:
    person: Person
    registrant_key: str = ""
    join_url: str = ""
    registered_at: datetime | None = None
    status: str = ""  # APPROVED, WAITING; DENIED ones are not listed as registrations


@dataclass(frozen=True)
class AttendanceRow:
    person: Person
    registrant_key: str = ""
    first_join: datetime | None = None
    last_leave: datetime | None = None
    seconds: int = 0


@dataclass(frozen=True)
class Participants:
    """Everyone GoTo lists for one event, from complete, successful fetches only.

    `registrations` is None for products without a registrant list (meeting, assist): then
    nothing can be inferred about people who are not listed, so nothing is cancelled.
    """

    registrations: tuple[RegistrationRow, ...] | None
    attendances: tuple[AttendanceRow, ...] = ()


@dataclass
class Counts:
    """A run's tally, stored in SyncRun.counts under these names."""

    events: int = 0
    new_registrations: int = 0
    new_attendances: int = 0
    cancellations: int = 0
    new_contacts: int = 0
    failures: int = 0

    def add(self, other: Counts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass(frozen=True)
class Failure:
    event: str  # the GoTo key, "" for the run as a whole
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"event": self.event, "message": self.message}


@dataclass
class Catalogue:
    """The events a run works on: from GoTo's lists and from single fetches of known keys."""

    entries: list[Entry] = field(default_factory=list)
    # Known, not listed, and GoTo answered 404: cancelled if not over yet, else missing.
    gone: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
