"""d8client: the Python SDK of d8, the distributed LLM task gateway.

``Client`` submits tasks and jobs and waits for them; ``Worker`` is the base class of a worker
that serves a worker type with Python code. Standard library only.
"""
__version__ = "0.1.0"

from .client import Client, is_finished  # noqa: E402
from .errors import (  # noqa: E402
    BadRequest, Conflict, D8Error, Forbidden, NotFound, PayloadTooLarge, ServerError, Timeout,
    TooManyRequests, Unauthorized, Unavailable, Unprocessable,
)
from .worker import Backoff, TaskFailure, Worker  # noqa: E402

__all__ = [
    "Client", "Worker", "TaskFailure", "Backoff", "is_finished",
    "D8Error", "BadRequest", "Unprocessable", "Unauthorized", "Forbidden", "NotFound", "Conflict",
    "PayloadTooLarge", "TooManyRequests", "ServerError", "Unavailable", "Timeout",
]
