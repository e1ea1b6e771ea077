"""Helpers for the emulator tests: the OAuth dance and calls with a bearer token."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from gotoplugins.emulator import seed

BASE = "/goto-emulator"
CLIENT_ID = seed.DEMO_CLIENT_ID
CLIENT_SECRET = seed.DEMO_CLIENT_SECRET
REDIRECT = "http://127.0.0.1:8000/plugins/oauth/callback"


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def authorize(client: Client, **params: str) -> Any:
    query = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT}
    query.update(params)
    return client.get(f"{BASE}/oauth/authorize", query)


def redirect_params(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.content
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def get_code(client: Client, **params: str) -> str:
    found = redirect_params(authorize(client, emulator_consent="allow", state="s1", **params))
    assert found["state"] == "s1"
    return found["code"]


def post_form(client: Client, path: str, form: dict[str, str], **headers: str) -> Any:
    return client.post(
        f"{BASE}{path}",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def exchange(client: Client, code: str, redirect_uri: str = REDIRECT, **headers: str) -> Any:
    headers.setdefault("Authorization", basic())
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return post_form(client, "/oauth/token", form, **headers)


def refresh(client: Client, refresh_token: str) -> Any:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return post_form(client, "/oauth/token", form, Authorization=basic())


class Api:
    """Calls below the mount with `Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.token = token

    def headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **query: Any) -> Any:
        return self.client.get(f"{BASE}{path}", query, headers=self.headers(headers))

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        **query: Any,
    ) -> Any:
        url = f"{BASE}{path}" + (f"?{urlencode(query)}" if query else "")
        data = b"" if body is None else json.dumps(body).encode()
        return self.client.generic(
            method, url, data, content_type="application/json", headers=self.headers(headers)
        )


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_schedule() -> dict[str, str]:
    """fromTime/toTime covering everything the default seed schedules."""
    now = datetime.now(UTC)
    return {"fromTime": iso(now - timedelta(days=120)), "toTime": iso(now + timedelta(days=120))}


ADAPTER_HOST = "testserver"
FORWARDED_HEADERS = ("authorization", "accept", "user-agent")


class EmulatorAdapter(BaseAdapter):
    """A requests transport that hands each request to the emulator's views in this process,
    through Django's test client instead of a socket."""

    def __init__(self) -> None:
        super().__init__()
        self.client = Client()
        self.calls: list[tuple[str, str, int]] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(str(request.url))
        assert parts.hostname == ADAPTER_HOST, request.url
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        body = request.body or b""
        answer = self.client.generic(
            str(request.method),
            path,
            body.encode() if isinstance(body, str) else body,
            content_type=request.headers.get("Content-Type", "application/json"),
            headers={k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS},
        )
        self.calls.append((str(request.method), parts.path, answer.status_code))
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.content
        response.headers = CaseInsensitiveDict(dict(answer.items()))
        response.url = str(request.url)
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass

    def posts(self, fragment: str = "/registrants") -> list[tuple[str, str, int]]:
        return [call for call in self.calls if call[0] == "POST" and fragment in call[1]]
