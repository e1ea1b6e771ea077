"""Who the token belongs to (goto-api.md section 1.4): SCIM "me" and the admin API "me"."""

from __future__ import annotations

from django.http import HttpResponse

from gotoplugins.emulator import serializers
from gotoplugins.emulator.api import Call, json_response


def scim_me(call: Call) -> HttpResponse:
    return json_response(serializers.scim_me(call.organizer))


def admin_me(call: Call) -> HttpResponse:
    return json_response(serializers.admin_me(call.organizer))
