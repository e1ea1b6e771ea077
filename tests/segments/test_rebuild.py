"""Rebuilds: set operations in SQL, changes by hand that survive them, and the history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from contacts.models import Contact
from segments import services, tasks
from segments.models import MembershipChange, Segment, SegmentExclusion, SegmentMembership
from tests.segments.conftest import NOW, all_of, f

GERMANY = all_of(f("contact.country", "eq", "Germany"))


def members(segment: Segment) -> set[str]:
    return set(segment.memberships.values_list("contact__email", flat=True))


def make_many(count: int, country: str = "Germany", start: int = 0) -> None:
    contacts = [
        Contact(email=f"bulk{n}@example.com", country=country) for n in range(start, start + count)
    ]
    Contact.objects.bulk_create(contacts)


@contextmanager
def rows_written() -> Iterator[list[int]]:
    """Rows changed by every INSERT, UPDATE and DELETE run inside the block."""
    written: list[int] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        verb = sql.lstrip().split(" ", 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE"):
            written.append(max(context["cursor"].rowcount, 0))
        return result

    with connection.execute_wrapper(count):
        yield written


@pytest.fixture
def segment(db: None) -> Segment:
    return Segment.objects.create(name="Germany", filters=GERMANY)


def test_a_rebuild_adds_and_removes_and_records_it(
    segment: Segment, make_contact: Callable[..., Contact]
) -> None:
    anna = make_contact("anna@example.com", country="Germany")
    make_contact("bert@example.com", country="France")
    assert services.rebuild(segment, now=NOW) == services.RebuildResult(segment.pk, 1, 0)
    assert members(segment) == {"anna@example.com"}

    Contact.objects.filter(pk=anna.pk).update(country="Austria")
    later = NOW + timedelta(minutes=5)
    assert services.rebuild(segment, now=later) == services.RebuildResult(segment.pk, 0, 1)
    assert members(segment) == set()
    history = list(
        MembershipChange.objects.order_by("changed_at").values_list(
            "contact__email", "change", "cause", "changed_at"
        )
    )
    assert history == [
        ("anna@example.com", "added", "rebuild", NOW),
        ("anna@example.com", "removed", "rebuild", later),
    ]


def test_a_rebuild_with_no_changes_writes_nothing(
    segment: Segment, make_contact: Callable[..., Contact]
) -> None:
    make_contact("anna@example.com", country="Germany")
    make_contact("bert@example.com", country="France")
    services.rebuild(segment, now=NOW)
    with rows_written() as written:
        result = services.rebuild(segment, now=NOW + timedelta(minutes=1))
    assert (result.added, result.removed) == (0, 0)
    assert sum(written) == 0
    assert MembershipChange.objects.count() == 1


def test_the_query_count_does_not_depend_on_the_number_of_contacts(segment: Segment) -> None:
    def queries_of_first_and_second_rebuild() -> tuple[int, int]:
        SegmentMembership.objects.all().delete()
        counts = []
        for minutes in (0, 1):
            with CaptureQueriesContext(connection) as queries:
                services.rebuild(segment, now=NOW + timedelta(minutes=minutes))
            counts.append(len(queries))
        return counts[0], counts[1]

    make_many(5)
    few = queries_of_first_and_second_rebuild()
    make_many(500, start=5)
    many = queries_of_first_and_second_rebuild()
    assert few == many
    assert segment.memberships.count() == 505
    assert many[0] <= 6  # lock, log, insert, log, (delete), + savepoint-free transaction


def test_groups_combine_with_and_and_or(make_contact: Callable[..., Contact]) -> None:
    make_contact("de-acme@example.com", country="Germany", company="ACME")
    make_contact("de-globex@example.com", country="Germany", company="Globex")
    make_contact("fr-acme@example.com", country="France", company="ACME")
    make_contact("es-initech@example.com", country="Spain", company="Initech")
    company_is_acme_or_globex = {
        "match": "any",
        "filters": [f("contact.company", "eq", "ACME"), f("contact.company", "eq", "Globex")],
    }
    in_germany = {"match": "all", "filters": [f("contact.country", "eq", "Germany")]}

    def matched(match: str) -> set[str]:
        segment = Segment.objects.create(
            name=match, filters={"match": match, "groups": [company_is_acme_or_globex, in_germany]}
        )
        services.rebuild(segment, now=NOW)
        return members(segment)

    assert matched("all") == {"de-acme@example.com", "de-globex@example.com"}
    assert matched("any") == {
        "de-acme@example.com",
        "de-globex@example.com",
        "fr-acme@example.com",
    }


def test_a_segment_without_filters_is_kept_by_hand(make_contact: Callable[..., Contact]) -> None:
    segment = Segment.objects.create(name="VIP", filters={"match": "all", "groups": []})
    vip = make_contact("vip@example.com")
    services.add_by_hand(segment, vip)
    assert services.rebuild(segment, now=NOW) == services.RebuildResult(segment.pk, 0, 0)
    assert members(segment) == {"vip@example.com"}


# --- By hand ----------------------------------------------------------------------------------


def test_changes_by_hand_survive_rebuilds(
    segment: Segment, make_contact: Callable[..., Contact], marketer: User
) -> None:
    german = make_contact("german@example.com", country="Germany")
    french = make_contact("french@example.com", country="France")
    services.rebuild(segment, now=NOW)

    assert services.add_by_hand(segment, french, by=marketer) is True
    assert services.remove_by_hand(segment, german, by=marketer) is True
    for minutes in (1, 2):
        services.rebuild(segment, now=NOW + timedelta(minutes=minutes))
        assert members(segment) == {"french@example.com"}
    assert SegmentExclusion.objects.filter(segment=segment, contact=german).exists()

    manual = MembershipChange.objects.filter(cause="manual").order_by("id")
    assert [(c.contact_id, c.change, c.changed_by_id) for c in manual] == [
        (french.pk, "added", marketer.pk),
        (german.pk, "removed", marketer.pk),
    ]


def test_adding_back_by_hand_lifts_the_exclusion(
    segment: Segment, make_contact: Callable[..., Contact]
) -> None:
    german = make_contact("german@example.com", country="Germany")
    services.rebuild(segment, now=NOW)
    services.remove_by_hand(segment, german)
    assert services.add_by_hand(segment, german) is True
    assert not SegmentExclusion.objects.exists()
    Contact.objects.filter(pk=german.pk).update(country="France")
    services.rebuild(segment, now=NOW + timedelta(minutes=1))
    assert members(segment) == {"german@example.com"}  # added by hand: stays


def test_adding_a_member_by_hand_keeps_them_for_good(
    segment: Segment, make_contact: Callable[..., Contact]
) -> None:
    german = make_contact("german@example.com", country="Germany")
    services.rebuild(segment, now=NOW)
    assert services.add_by_hand(segment, german) is False
    Contact.objects.filter(pk=german.pk).update(country="France")
    services.rebuild(segment, now=NOW + timedelta(minutes=1))
    assert members(segment) == {"german@example.com"}


def test_removing_a_non_member_keeps_them_out(
    segment: Segment, make_contact: Callable[..., Contact]
) -> None:
    later = make_contact("later@example.com", country="France")
    assert services.remove_by_hand(segment, later) is False
    Contact.objects.filter(pk=later.pk).update(country="Germany")
    services.rebuild(segment, now=NOW)
    assert members(segment) == set()
    assert not MembershipChange.objects.exists()


def test_letting_the_filters_decide_undoes_changes_by_hand(
    segment: Segment, make_contact: Callable[..., Contact]
) -> None:
    german = make_contact("german@example.com", country="Germany")
    french = make_contact("french@example.com", country="France")
    services.rebuild(segment, now=NOW)
    services.remove_by_hand(segment, german)
    services.add_by_hand(segment, french)

    assert services.let_filters_decide(segment, german) is True
    assert services.let_filters_decide(segment, french) is False
    assert members(segment) == {"german@example.com"}
    assert segment.memberships.get().source == "rebuild"
    assert not SegmentExclusion.objects.exists()


# --- Many segments, failures ------------------------------------------------------------------


def test_a_broken_segment_is_reported_and_the_others_still_rebuild(
    make_contact: Callable[..., Contact],
) -> None:
    make_contact("anna@example.com", country="Germany")
    broken = Segment.objects.create(name="Broken", filters=all_of(f("plugin.gone", "any", None)))
    tampered = Segment.objects.create(name="Tampered", filters={"groups": "DROP TABLE"})
    fine = Segment.objects.create(name="Fine", filters=GERMANY)

    report = services.rebuild_all(now=NOW)

    errors = {result.segment_id: result.error for result in report.failures}
    assert set(errors) == {broken.pk, tampered.pk}
    assert "Unknown filter “plugin.gone”" in errors[broken.pk]
    assert members(fine) == {"anna@example.com"}
    broken.refresh_from_db()
    assert "Unknown filter" in broken.rebuild_error

    broken.filters = GERMANY
    broken.save()
    services.rebuild(broken, now=NOW)
    broken.refresh_from_db()
    assert broken.rebuild_error == ""


def test_an_unexpected_error_is_logged_and_the_others_still_rebuild(
    make_contact: Callable[..., Contact], monkeypatch: pytest.MonkeyPatch
) -> None:
    from segments import rebuild

    make_contact("anna@example.com", country="Germany")
    first = Segment.objects.create(name="First", filters=GERMANY)
    second = Segment.objects.create(name="Second", filters=GERMANY)
    real_apply = rebuild.apply

    def fail_once(segment: Segment, *args: Any) -> tuple[int, int]:
        if segment.pk == first.pk:
            raise RuntimeError("disk on fire")
        return real_apply(segment, *args)

    monkeypatch.setattr(rebuild, "apply", fail_once)
    report = services.rebuild_all(now=NOW)
    assert [r.segment_id for r in report.failures] == [first.pk]
    assert "unexpectedly" in report.failures[0].error
    assert members(first) == set() and members(second) == {"anna@example.com"}


def test_a_segment_deleted_meanwhile_is_reported_quietly(segment: Segment) -> None:
    Segment.objects.filter(pk=segment.pk).delete()
    result = services.rebuild_safely(segment, now=NOW)
    assert result.error == "The segment was deleted meanwhile."


def test_rebuild_all_can_take_only_the_segments_with_some_filter_kinds(
    make_contact: Callable[..., Contact],
) -> None:
    make_contact("anna@example.com", country="Germany")
    goto = Segment.objects.create(
        name="GoTo",
        filters=all_of(f("goto.webinar.attended", "any"), f("contact.country", "empty")),
    )
    plain = Segment.objects.create(name="Plain", filters=GERMANY)
    report = services.rebuild_all(only_kinds_prefix="goto.", now=NOW)
    assert [result.segment_id for result in report.results] == [goto.pk]
    assert members(plain) == set()


def test_rebuild_all_skips_unpublished_segments(make_contact: Callable[..., Contact]) -> None:
    make_contact("anna@example.com", country="Germany")
    draft = Segment.objects.create(name="Draft", filters=GERMANY, published=False)
    assert services.rebuild_all(now=NOW).results == []
    assert members(draft) == set()


def test_the_command_rebuilds_all_or_one(
    segment: Segment, make_contact: Callable[..., Contact], capsys: pytest.CaptureFixture[str]
) -> None:
    make_contact("anna@example.com", country="Germany")
    other = Segment.objects.create(name="Also Germany", filters=GERMANY, published=False)
    call_command("segments_update", segment=other.pk)
    assert members(other) == {"anna@example.com"} and members(segment) == set()
    call_command("segments_update")
    out = capsys.readouterr().out
    assert f"Segment {segment.pk} “Germany”: 1 added, 0 removed" in out
    assert "1 segment(s) rebuilt." in out

    with pytest.raises(CommandError, match="no segment with ID 999"):
        call_command("segments_update", segment=999)


def test_the_command_fails_when_a_segment_cannot_be_rebuilt(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    Segment.objects.create(name="Broken", filters=all_of(f("gone", "any")))
    with pytest.raises(CommandError, match="1 segment"):
        call_command("segments_update")
    assert "Unknown filter" in capsys.readouterr().err


def test_the_tasks_return_a_summary(segment: Segment, make_contact: Callable[..., Contact]) -> None:
    make_contact("anna@example.com", country="Germany")
    assert tasks.rebuild_all.delay().get() == {
        "segments": 1,
        "added": 1,
        "removed": 0,
        "failures": {},
    }
    assert tasks.rebuild_segment.delay(segment.pk).get() == {
        "segment": segment.pk,
        "added": 0,
        "removed": 0,
        "error": "",
    }
    assert tasks.rebuild_segment.delay(999).get() == {"segment": 999, "error": "deleted"}


def test_saving_a_segment_rebuilds_it_after_the_commit(
    make_contact: Callable[..., Contact], django_capture_on_commit_callbacks: Any, marketer: User
) -> None:
    make_contact("anna@example.com", country="Germany")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        segment = services.create_segment(name=" Germany ", filters=GERMANY, by=marketer)
    assert len(callbacks) == 1
    assert segment.name == "Germany" and segment.created_by == marketer
    assert members(segment) == {"anna@example.com"}

    with django_capture_on_commit_callbacks() as callbacks:
        services.update_segment(segment, name="Renamed", filters=GERMANY)
    assert callbacks == []  # same filters: nothing to recompute
    with django_capture_on_commit_callbacks() as callbacks:
        services.update_segment(
            segment, name="Renamed", filters=all_of(f("contact.email", "empty"))
        )
    assert len(callbacks) == 1
