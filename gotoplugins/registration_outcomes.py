"""What a form submission shows of its GoTo registration, and keeping that up to date.

A registration GoTo holds for the organizer's approval (WAITING) is "pending" on the
submission until the sync reads GoTo's answer: approved (with the join link) or declined.
"""

from __future__ import annotations

from collections.abc import Iterable

from forms_builder.actions import Outcome
from forms_builder.models import ActionResult
from forms_builder.services import update_results
from gotoplugins.models import Event, Participation, RegistrationRequest

Result = ActionResult.Status
WAITING = "WAITING"
DENIED = "DENIED"


def action_title(event: Event) -> str:
    return f"{event.info.label} registration: {event.subject}"


def outcome_registered(event: Event, join_url: str, *, already: bool, status: str = "") -> Outcome:
    """What the submission shows once GoTo has the registration (or refused it)."""
    if status == DENIED:
        return Outcome(
            action_title(event),
            Result.FAILED,
            "Not registered: the organizer declined this person's registration at GoTo.",
        )
    message = "Already registered: the registration was reused." if already else "Registered."
    if status == WAITING:
        message = (
            f"{message.removesuffix('.')}, awaiting the organizer's approval at GoTo. "
            "No join link yet: GoTo gives one once the organizer approves."
        )
        return Outcome(action_title(event), Result.PENDING, message)
    if not join_url:
        message += " No join link yet: GoTo has not given one."
    return Outcome(
        action_title(event),
        Result.DONE,
        message,
        link=join_url,
        link_label="Join link" if join_url else "",
    )


def reused_ref(row: Participation) -> str:
    """How a submission that reused an existing registration points at it."""
    return f"gotoplugins.participation:{row.pk}"


def show_goto_answers(event: Event, rows: Iterable[Participation]) -> int:
    """The sync read a new status or join link for these registrations of the event: the
    submissions that made or reused them say so (approved with its link, or declined).
    Two queries whatever the number of rows, then one update per submission shown anew."""
    by_id = {row.pk: row for row in rows}
    if not by_id:
        return 0
    made = RegistrationRequest.objects.filter(
        participation_id__in=by_id, status=RegistrationRequest.Status.DONE
    ).values_list("pk", "participation_id")
    refs = {RegistrationRequest(pk=pk).ref: (by_id[row_id], False) for pk, row_id in made}
    refs.update({reused_ref(row): (row, True) for row in by_id.values()})
    shown = ActionResult.objects.filter(ref__in=refs).order_by().values_list("ref", flat=True)
    updated = 0
    for ref in set(shown):
        row, already = refs[ref]
        outcome = outcome_registered(
            event, row.join_url, already=already, status=row.registration_status
        )
        updated += update_results(ref, outcome)
    return updated
