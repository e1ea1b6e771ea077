"""GoTo's two paging styles: HAL (`_embedded` + `page`) and flat (`data` + `total`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import QuerySet

from gotoplugins.emulator.api import ApiError, Call

T = TypeVar("T")
MAX_SIZE = 200


def page_args(call: Call, *, size_name: str = "size", default_size: int = 20) -> tuple[int, int]:
    """(page, size) from the query; 0-based page; a size over 200 is a 400, as on GoTo."""
    page = _int_param(call, "page", 0)
    size = _int_param(call, size_name, default_size)
    if page < 0:
        raise ApiError(400, "InvalidRequest", "page must not be negative.")
    if size < 1 or size > MAX_SIZE:
        raise ApiError(400, "InvalidRequest", f"{size_name} must be between 1 and {MAX_SIZE}.")
    return page, size


def hal_page(
    call: Call,
    name: str,
    items: QuerySet[Any] | Sequence[T],
    serialize: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """{_embedded: {name: [...]}, _links, page: {size, totalElements, totalPages, number}}.

    With no results at all `_embedded` is left out, as Spring HATEOAS does; clients must cope.
    """
    page, size = page_args(call)
    total = items.count() if isinstance(items, QuerySet) else len(items)
    chunk = list(items[page * size : page * size + size])
    total_pages = -(-total // size)
    body: dict[str, Any] = {}
    if total:
        body["_embedded"] = {name: [serialize(item) for item in chunk]}
    links = {"first": 0, "self": page, "last": max(total_pages - 1, 0)}
    if page + 1 < total_pages:
        links["next"] = page + 1
    if 0 < page <= total_pages:
        links["prev"] = page - 1
    body["_links"] = {
        rel: {"href": _page_href(call, number, size)} for rel, number in links.items()
    }
    body["page"] = {"size": size, "totalElements": total, "totalPages": total_pages, "number": page}
    return body


def flat_page(
    call: Call,
    items: QuerySet[Any],
    serialize: Callable[[Any], dict[str, Any]],
) -> dict[str, Any]:
    """{data, total, page, limit, pageSize}: the registrant list when page or limit is sent."""
    page, limit = page_args(call, size_name="limit")
    chunk = [serialize(item) for item in items[page * limit : page * limit + limit]]
    return {
        "data": chunk,
        "total": items.count(),
        "page": page,
        "limit": limit,
        "pageSize": len(chunk),
    }


def _int_param(call: Call, name: str, default: int) -> int:
    raw = call.param(name)
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "InvalidRequest", f"{name} must be an integer.") from None


def _page_href(call: Call, number: int, size: int) -> str:
    params = {key: value for key, value in call.request.GET.items() if key != "oauth_token"}
    params.update(page=str(number), size=str(size))
    return call.request.build_absolute_uri(f"{call.request.path}?{urlencode(params)}")
