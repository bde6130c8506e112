"""One JSON request to an orchestrator, over urllib, with d8's errors as exceptions.

Both the client and the worker go through here, so there is one place that knows how d8 takes
a token (``Authorization: Bearer <token>``, Sources/D8Server/HTTP/AuthMiddleware.swift), how it
shapes an error, and which failures mean "not reachable" (worth retrying) rather than "refused".
"""
from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Optional

from . import __version__
from .errors import D8Error, Unavailable, error_for

#: Added to a long-poll's wait to make the socket timeout, so the server answers first.
LONG_POLL_MARGIN = 10.0


def quote(segment: str) -> str:
    """A path segment (a task, job or worker id) escaped so it stays one segment."""
    return urllib.parse.quote(str(segment), safe="")


class Transport:
    """The base URL, the token and the default timeout of every request to one orchestrator."""

    def __init__(self, url: str, token: Optional[str] = None, timeout: float = 30) -> None:
        if not url.startswith(("http://", "https://")):
            url = "http://" + url
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, Any]] = None,
                timeout: Optional[float] = None) -> Any:
        """Sends one request and returns the decoded JSON answer; raises a ``D8Error`` subclass.

        A POST without a body still sends ``Content-Length: 0``: some proxies refuse it otherwise.
        """
        url = self.url + path
        if query:
            pairs = {k: _query_value(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        headers = {"Accept": "application/json", "User-Agent": f"d8client-python/{__version__}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif method == "POST":
            data = b""
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout if timeout is None else timeout) as answer:
                return _decode(answer.read())
        except urllib.error.HTTPError as error:
            raw = error.read()
            error.close()
            try:
                decoded = _decode(raw)
            except D8Error:
                decoded = raw.decode(errors="replace")[:500]
            raise error_for(error.code, decoded, fallback=str(error.reason)) from None
        except urllib.error.URLError as error:
            raise Unavailable(f"cannot reach {self.url}: {error.reason}", code="unreachable") from None
        except (socket.timeout, TimeoutError) as error:
            raise Unavailable(f"{self.url} did not answer {method} {path} in time ({error})", code="unreachable") from None
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            raise Unavailable(f"the connection to {self.url} failed: {error!r}", code="unreachable") from None


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise D8Error(f"the orchestrator answered something that is not JSON: {raw[:200]!r}", code="invalid_answer") from None
