"""The emulator's routes. Below the mount they mirror GoTo's paths exactly, so a client whose
base URL is http://host/goto-emulator works unchanged against https://api.getgo.com."""

from __future__ import annotations

from django.urls import include, path, re_path, register_converter

from gotoplugins.emulator.api import endpoint
from gotoplugins.emulator.views import (
    assist,
    control,
    identity,
    meeting,
    oauth,
    pages,
    training,
    webinar,
)


class GoToKeyConverter:
    """A GoTo key in a path: 1 to 19 digits (int64), kept as a string."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(GoToKeyConverter, "gotokey")

app_name = "goto_emulator"

OK = "organizers/<gotokey:organizer_key>"
WK = f"{OK}/webinars/<gotokey:webinar_key>"
TK = f"{OK}/trainings/<gotokey:training_key>"

g2w = [
    path(f"{OK}/webinars", endpoint(GET=webinar.list_webinars)),
    path("accounts/<gotokey:account_key>/webinars", endpoint(GET=webinar.list_account_webinars)),
    path(WK, endpoint(GET=webinar.get_webinar)),
    path(
        f"{WK}/registrants",
        endpoint(GET=webinar.list_registrants, POST=webinar.create_registrant),
    ),
    path(f"{WK}/registrants/fields", endpoint(GET=webinar.registration_fields)),
    path(
        f"{WK}/registrants/<gotokey:registrant_key>",
        endpoint(GET=webinar.get_registrant, DELETE=webinar.delete_registrant),
    ),
    path(f"{OK}/sessions", endpoint(GET=webinar.list_organizer_sessions)),
    path(f"{WK}/sessions", endpoint(GET=webinar.list_sessions)),
    path(f"{WK}/sessions/<gotokey:session_key>", endpoint(GET=webinar.session_attendees)),
    path(
        f"{WK}/sessions/<gotokey:session_key>/attendees",
        endpoint(GET=webinar.session_attendees),
    ),
    path(f"{WK}/attendees", endpoint(GET=webinar.webinar_attendees)),
    path("webinars/<gotokey:webinar_key>/startUrl", endpoint(GET=webinar.start_url)),
]

g2t = [
    path(f"{OK}/trainings", endpoint(GET=training.list_trainings)),
    path(TK, endpoint(GET=training.get_training)),
    path(f"{TK}/startUrl", endpoint(GET=training.organizer_start_url)),
    path(
        f"{TK}/registrants",
        endpoint(GET=training.list_registrants, POST=training.create_registrant),
    ),
    path(
        f"{TK}/registrants/<gotokey:registrant_key>",
        endpoint(GET=training.get_registrant, DELETE=training.delete_registrant),
    ),
    path("trainings/<gotokey:training_key>/start", endpoint(GET=training.start)),
    path(f"reports/{OK}/sessions", endpoint(POST=training.organizer_sessions)),
    path(f"reports/{TK}", endpoint(GET=training.training_sessions)),
    path(
        f"reports/{OK}/sessions/<gotokey:session_key>/attendees",
        endpoint(GET=training.session_attendees),
    ),
]

g2m = [
    path("upcomingMeetings", endpoint(GET=meeting.upcoming)),
    path("historicalMeetings", endpoint(GET=meeting.historical)),
    path(f"{OK}/upcomingMeetings", endpoint(GET=meeting.organizer_upcoming)),
    path(f"{OK}/historicalMeetings", endpoint(GET=meeting.organizer_historical)),
    path("meetings/<gotokey:meeting_id>", endpoint(GET=meeting.get_meeting)),
    path("meetings/<gotokey:meeting_id>/start", endpoint(GET=meeting.start)),
    path("meetings/<gotokey:meeting_id>/attendees", endpoint(GET=meeting.attendees)),
]

g2a = [
    path("sessions", endpoint(GET=assist.list_sessions, POST=assist.create_session)),
    path("sessions/<gotokey:session_id>", endpoint(GET=assist.get_session)),
]

_authorize = endpoint(auth=False, csrf=True, GET=oauth.authorize, POST=oauth.authorize)
_token = endpoint(auth=False, POST=oauth.token)
_landing = endpoint(auth=False, GET=pages.landing)
_unrouted = endpoint(
    auth=False,
    GET=pages.unrouted,
    POST=pages.unrouted,
    PUT=pages.unrouted,
    DELETE=pages.unrouted,
    PATCH=pages.unrouted,
)

urlpatterns = [
    path("", endpoint(auth=False, GET=pages.index), name="index"),
    path("_control/faults", control.control_faults, name="control-faults"),
    path("_app/<slug:action>/<slug:product>/<gotokey:key>", _landing, name="landing"),
    path("_app/<slug:action>/<slug:product>/<gotokey:key>/<gotokey:other>", _landing),
    path("oauth/authorize", _authorize, name="authorize"),
    path("oauth/token", _token, name="token"),
    path("oauth/v2/authorize", _authorize),  # the legacy api.getgo.com paths
    path("oauth/v2/token", _token),
    path("identity/v1/Users/me", endpoint(GET=identity.scim_me), name="scim-me"),
    path("admin/rest/v1/me", endpoint(GET=identity.admin_me), name="admin-me"),
    path("G2W/rest/v2/", include(g2w)),
    path("G2T/rest/", include(g2t)),
    path("G2M/rest/", include(g2m)),
    path("G2A/rest/v1/", include(g2a)),
    re_path(r"^", _unrouted),  # anything else: GoTo's JSON 404, and the request is logged
]
