"""The errors d8 answers with, as Python exceptions.

d8 refuses a request with an HTTP status and the body ``{"error": "<in words>", "code":
"<stable>"}`` (Sources/D8Server/HTTP/APIError.swift). Each status becomes its own exception
class so callers can ``except NotFound`` instead of comparing numbers, while ``code`` keeps d8's
finer reason (``job_not_found``, ``unknown_task_type``, ``stale_lease``...) for those who need it.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Type


class D8Error(Exception):
    """Any failure of a d8 call.

    ``status`` is the HTTP status (None when no answer came at all), ``code`` d8's error code
    and ``message`` its words. ``body`` is the decoded answer, when there was one.
    """

    def __init__(self, message: str, status: Optional[int] = None, code: Optional[str] = None,
                 body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body

    def __str__(self) -> str:
        where = " ".join(str(part) for part in (self.status, self.code) if part is not None)
        return f"{where}: {self.message}" if where else self.message


class BadRequest(D8Error):
    """400 (and 415): the body or a query parameter is not what the API takes."""


class Unprocessable(BadRequest):
    """422: well formed but unservable, e.g. ``unknown_task_type`` or ``unknown_worker_type``."""


class Unauthorized(D8Error):
    """401: a missing or wrong token; 403 (see ``Forbidden``) a token of the wrong role."""


class Forbidden(Unauthorized):
    """403: the token is valid but not for this endpoint (a worker token on a client route...)."""


class NotFound(D8Error):
    """404: no such task, job, worker (``unknown_worker``) or route."""


class Conflict(D8Error):
    """409: the request contradicts the current state, e.g. a result with a lost lease."""


class PayloadTooLarge(D8Error):
    """413: the body is over the orchestrator's ``server.max_body``."""


class TooManyRequests(D8Error):
    """429: sent by a proxy or gateway in front of d8 (d8 itself answers 503 when full)."""


class ServerError(D8Error):
    """5xx: the orchestrator failed; worth retrying later."""


class Unavailable(ServerError):
    """503 (``queue_full``, ``shutting_down``), or no answer at all: refused, reset, timed out."""


class Timeout(D8Error):
    """A wait ran out before the task or job finished; ``last`` holds the last answer seen."""

    def __init__(self, message: str, last: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message, code="timeout", body=last)
        self.last = last


_BY_STATUS: Dict[int, Type[D8Error]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    413: PayloadTooLarge, 415: BadRequest, 422: Unprocessable, 429: TooManyRequests, 503: Unavailable,
}


def error_for(status: int, body: Any, fallback: str = "") -> D8Error:
    """The exception for an HTTP error answer, with d8's code and words when the body has them."""
    code = message = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        message = body.get("error") if isinstance(body.get("error"), str) else None
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else D8Error)
    return cls(message or fallback or f"HTTP {status}", status=status, code=code, body=body)
