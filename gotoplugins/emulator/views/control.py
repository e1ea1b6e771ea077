"""POST /goto-emulator/_control/faults: the test controls over HTTP (only with GOTO_EMULATOR).

The body is a JSON object of actions, applied together (all or nothing), e.g.

    {"reset": true}
    {"add": [{"path": "/G2W/rest/v2/*", "method": "GET", "status": 429, "times": 2,
              "retry_after": 3}]}
    {"add": {"path": "*", "latency_ms": 250, "times": null}}
    {"clear": true, "clear_log": true, "expire_tokens": true, "advance_clock": 3600,
     "now_offset_seconds": 0, "duplicate_mode": "idempotent", "invalid_token_mode": "403",
     "revoke_refresh_token": "<token>", "revoke_all_refresh_tokens": true,
     "record_requests": false,
     "client": {"client_id": "convene-demo", "rotate_refresh_tokens": false}}

GET (or any POST) answers the current switches and faults. This route is never faulted and
never logged, so a stuck fault can always be cleared.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from gotoplugins.emulator import faults


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def control_faults(request: HttpRequest) -> HttpResponse:
    if not settings.GOTO_EMULATOR:
        return JsonResponse({"error": "The GoTo emulator is off."}, status=404)
    if request.method == "POST":
        try:
            actions = json.loads(request.body or b"{}")
            if not isinstance(actions, dict):
                raise ValueError("The body must be a JSON object.")
            with transaction.atomic():
                faults.apply(actions)
        except (ValueError, TypeError) as error:
            return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse(faults.state())
