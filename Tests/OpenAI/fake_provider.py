#!/usr/bin/env python3
"""A fake OpenAI-compatible chat completions provider (Python standard library only).

It speaks the wire format of OpenAI's and Groq's ``POST {base_url}/chat/completions``: a JSON
answer, or with ``"stream": true`` server-sent events (``data: {chunk}`` lines, ``data: [DONE]``).
Like the real services it answers with ``Transfer-Encoding: chunked``, gzip-compressed when the
request's ``Accept-Encoding`` allows gzip (a stream is flushed event by event, so it still streams).

What it answers is derived from the request, so tests can predict it:

* text: ``echo: <text of the last user message>``, one token per word (usage counts them);
* ``tools`` in the request (and the last message not a ``tool`` message): a call of the first tool,
  ``{"<its first parameter>": "<user text>"}`` as arguments, streamed in several pieces;
* the last message a ``tool`` message: ``tool said: <its content>``;
* ``max_tokens`` / ``max_completion_tokens`` below the answer's length: cut, ``finish_reason: length``.

Markers in the last user message steer it:

* ``FAIL500``, ``FAIL429`` (with ``retry-after: 1``), ``FAIL400``: that HTTP error, OpenAI's error body;
* ``CUTSTREAM``: a stream stops after a few tokens without ``[DONE]`` (the connection is closed
  mid-body); a plain answer is cut in the middle of its JSON;
* ``SLOW``: at least 40 tokens, each after ``slow_token_delay`` seconds (0.25 s by default);
* ``SLEEP<ms>``: waits that long before answering (``SLEEP800``);
* ``BIGUSAGE``: reports a million more prompt tokens (to spend a budget).

``GET /_log`` answers ``{"requests": [...]}``: every chat request it got (path, headers, body,
outcome: ``done``, ``error``, ``cut``, or ``client_closed`` when the caller hung up mid-answer);
``GET /_log?contains=X`` only those whose body contains X; ``POST /_reset`` empties the log.
``GET /models`` lists a few models, as ``/v1/models`` does.

Run it alone: ``python3 fake_provider.py --port 0`` prints ``listening on http://127.0.0.1:PORT``.
Options: ``--token-delay-ms`` (every token), ``--fail-status 500`` (every chat request fails
so), ``--api-key K`` (only that Bearer key is accepted; by default any Bearer key is).
"""
from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

MODELS = ["llama-3.3-70b-versatile", "llama-3.1-8b-instant", "mock"]


class ClientGone(Exception):
    """The caller closed the connection while we were writing."""


class Cut(Exception):
    """CUTSTREAM: end the connection mid-body on purpose."""


def text_of(content: Any) -> str:
    """A message's content as text: a string, or OpenAI's list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content)


def words(text: str) -> List[str]:
    """Tokens: each word with the spaces after it (joined they give the text back)."""
    return re.findall(r"\S+\s*", text) or ([text] if text else [])


class FakeProvider:
    """The server; ``start()`` runs it on a thread (port 0 picks a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token_delay: float = 0.0,
                 slow_token_delay: float = 0.25, fail_status: Optional[int] = None,
                 api_key: Optional[str] = None) -> None:
        self.token_delay = token_delay
        self.slow_token_delay = slow_token_delay
        self.fail_status = fail_status
        self.api_key = api_key
        self.lock = threading.Lock()
        self.requests: List[Dict[str, Any]] = []
        self.counter = 0
        provider = self

        class Handler(_Handler):
            fake = provider

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256
            allow_reuse_address = True

        self.server = Server((host, port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread: Optional[threading.Thread] = None

    def start(self) -> "FakeProvider":
        self.thread = threading.Thread(target=self.server.serve_forever, name=f"fake-provider-{self.port}", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The log, for tests in the same process (HTTP clients use GET /_log).
    def log(self, contains: Optional[str] = None) -> List[Dict[str, Any]]:
        with self.lock:
            entries = [dict(e) for e in self.requests]
        if contains is not None:
            entries = [e for e in entries if contains in json.dumps(e.get("body"))]
        return entries

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()

    def next_id(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-provider/1.0"
    fake: FakeProvider

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # ---- plumbing -------------------------------------------------------------------------
    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def gzip_ok(self) -> bool:
        for part in self.headers.get("Accept-Encoding", "").split(","):
            name, _, params = part.strip().partition(";")
            if name.strip().lower() in ("gzip", "x-gzip", "*"):
                q = params.strip()
                return not (q.startswith("q=") and float(q[2:] or 0) == 0)
        return False

    def begin(self, status: int, content_type: str, extra: Optional[Dict[str, str]] = None) -> None:
        """Status and headers of a chunked answer; gzip when the request allows it."""
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if self.gzip_ok() else None
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        if self.compressor:
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
        self.send_header("x-request-id", f"req_fake_{self.fake.next_id()}")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()

    def write(self, data: bytes) -> None:
        """One piece of the body, compressed and flushed, as one HTTP chunk."""
        if self.compressor:
            data = self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        if not data:
            return
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout, OSError) as error:
            raise ClientGone() from error

    def finish_body(self) -> None:
        tail = self.compressor.flush() if self.compressor else b""
        try:
            if tail:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(tail), tail))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError) as error:
            raise ClientGone() from error

    def cut(self) -> None:
        """Ends the connection without finishing the body."""
        self.close_connection = True
        try:
            if self.compressor:  # what was compressed so far is already sent (sync flushes)
                pass
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_json(self, status: int, body: Any, extra: Optional[Dict[str, str]] = None) -> None:
        self.begin(status, "application/json", extra)
        self.write(json.dumps(body).encode())
        self.finish_body()

    def error(self, status: int, message: str, type_: str, code: Optional[str] = None,
              extra: Optional[Dict[str, str]] = None) -> None:
        self.send_json(status, {"error": {"message": message, "type": type_, "param": None, "code": code}}, extra)

    # ---- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/_log":
            contains = parse_qs(url.query).get("contains", [None])[0]
            self.send_json(200, {"requests": self.fake.log(contains)})
        elif url.path.endswith("/models"):
            self.send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"} for m in MODELS]})
        else:
            self.error(404, f"no route {url.path}", "invalid_request_error", "not_found")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        raw = self.read_body()
        if url.path == "/_reset":
            self.fake.reset()
            self.send_json(200, {"ok": True})
            return
        if not url.path.endswith("/chat/completions"):
            self.error(404, f"no route {url.path}", "invalid_request_error", "not_found")
            return
        entry: Dict[str, Any] = {
            "path": url.path, "headers": {k.lower(): v for k, v in self.headers.items()},
            "received_at": time.time(), "outcome": "started", "body": None}
        try:
            entry["body"] = json.loads(raw or b"null")
        except ValueError:
            entry["body"] = raw.decode("utf-8", "replace")
        with self.fake.lock:
            entry["n"] = len(self.fake.requests)
            self.fake.requests.append(entry)
        try:
            entry["status"] = self.chat(entry)
            entry["outcome"] = "error" if entry["status"] >= 400 else "done"
        except ClientGone:
            entry["outcome"] = "client_closed"
            self.close_connection = True
        except Cut:
            entry["outcome"] = "cut"
            self.cut()
        entry["ended_at"] = time.time()

    # ---- the chat completion --------------------------------------------------------------
    def chat(self, entry: Dict[str, Any]) -> int:
        body = entry["body"]
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or (self.fake.api_key is not None and auth[7:] != self.fake.api_key):
            self.error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key")
            return 401
        if not isinstance(body, dict):
            self.error(400, "the body is not a JSON object", "invalid_request_error")
            return 400
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            self.error(400, "'messages' is required and must be a non-empty array", "invalid_request_error")
            return 400
        if not isinstance(body.get("model"), str) or not body["model"]:
            self.error(400, "'model' is required", "invalid_request_error")
            return 400
        stream = bool(body.get("stream"))
        if body.get("stream_options") is not None and not stream:
            self.error(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "invalid_request_error")
            return 400
        user = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
        last = messages[-1]

        if self.fake.fail_status:
            return self.fail(self.fake.fail_status)
        for code in (500, 429, 400):
            if f"FAIL{code}" in user:
                return self.fail(code)
        sleep = re.search(r"SLEEP(\d+)", user)
        if sleep:
            time.sleep(int(sleep.group(1)) / 1000)

        tools = body.get("tools") or []
        tool_call = None
        if last.get("role") == "tool":
            text = "tool said: " + text_of(last.get("content"))
        elif tools and body.get("tool_choice") != "none":
            function = tools[0].get("function", {})
            properties = list((function.get("parameters") or {}).get("properties") or {})
            arguments = json.dumps({properties[0]: user} if properties else {})
            tool_call = {"id": f"call_fake_{self.fake.next_id()}", "type": "function",
                         "function": {"name": function.get("name", "tool"), "arguments": arguments}}
            text = ""
        else:
            text = "echo: " + user
        tokens = words(text)
        delay = self.fake.token_delay
        if "SLOW" in user:
            delay = max(delay, self.fake.slow_token_delay)
            tokens += [f"w{i} " for i in range(max(0, 40 - len(tokens)))]
        finish = "tool_calls" if tool_call else "stop"
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if not tool_call and isinstance(limit, int) and 0 < limit < len(tokens):
            tokens, finish = tokens[:limit], "length"
        prompt_tokens = sum(len(words(text_of(m.get("content")))) + 3 for m in messages)
        if "BIGUSAGE" in user:
            prompt_tokens += 1_000_000
        completion_tokens = len(words(tool_call["function"]["arguments"])) if tool_call else len(tokens)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                 "total_tokens": prompt_tokens + completion_tokens}
        chat_id = f"chatcmpl-fake{self.fake.next_id()}"
        created = int(time.time())
        model = body["model"]
        cut = "CUTSTREAM" in user

        if not stream:
            if delay:
                time.sleep(delay * len(tokens))
            message: Dict[str, Any] = {"role": "assistant", "content": None if tool_call else "".join(tokens)}
            if tool_call:
                message["tool_calls"] = [tool_call]
            answer = {"id": chat_id, "object": "chat.completion", "created": created, "model": model,
                      "system_fingerprint": "fp_fake", "choices": [
                          {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                      "usage": usage, "x_groq": {"id": f"req_{chat_id}"}}
            if cut:
                data = json.dumps(answer).encode()
                self.begin(200, "application/json")
                self.write(data[: len(data) // 2])
                raise Cut()
            self.send_json(200, answer)
            return 200

        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: Dict[str, Any], finish_reason: Optional[str] = None, **extra: Any) -> None:
            payload: Dict[str, Any] = {"id": chat_id, "object": "chat.completion.chunk", "created": created,
                                       "model": model, "system_fingerprint": "fp_fake",
                                       "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                    "finish_reason": finish_reason}]}
            if include_usage:
                payload["usage"] = None
            payload.update(extra)
            self.write(b"data: " + json.dumps(payload).encode() + b"\n\n")

        self.begin(200, "text/event-stream", {"Cache-Control": "no-cache"})
        if tool_call:
            chunk({"role": "assistant", "content": None, "tool_calls": [
                {"index": 0, "id": tool_call["id"], "type": "function",
                 "function": {"name": tool_call["function"]["name"], "arguments": ""}}]})
            arguments = tool_call["function"]["arguments"]
            step = max(1, -(-len(arguments) // 4))  # four pieces or so
            for i in range(0, len(arguments), step):
                if delay:
                    time.sleep(delay)
                chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[i:i + step]}}]})
        else:
            chunk({"role": "assistant", "content": ""})
            for i, token in enumerate(tokens):
                if cut and i == 2:
                    raise Cut()
                if delay:
                    time.sleep(delay)
                chunk({"content": token})
        if cut:
            raise Cut()
        # Groq puts the usage in x_groq on the last chunk; OpenAI in a chunk of its own.
        chunk({}, finish, x_groq={"id": f"req_{chat_id}", "usage": usage})
        if include_usage:
            payload = {"id": chat_id, "object": "chat.completion.chunk", "created": created, "model": model,
                       "system_fingerprint": "fp_fake", "choices": [], "usage": usage}
            self.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.write(b"data: [DONE]\n\n")
        self.finish_body()
        return 200

    def fail(self, status: int) -> int:
        if status == 429:
            self.error(429, "Rate limit reached for model (fake). Please try again in 1s.", "requests", "rate_limit_exceeded",
                       {"retry-after": "1"})
        elif status == 400:
            self.error(400, "fake: this request is refused (FAIL400)", "invalid_request_error", "invalid_request")
        else:
            self.error(status, f"fake: internal error (HTTP {status})", "server_error", None)
        return status


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible chat completions provider.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token-delay-ms", type=float, default=0)
    parser.add_argument("--slow-token-delay-ms", type=float, default=250)
    parser.add_argument("--fail-status", type=int)
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    fake = FakeProvider(args.host, args.port, args.token_delay_ms / 1000, args.slow_token_delay_ms / 1000,
                        args.fail_status, args.api_key)
    print(f"listening on {fake.url}", flush=True)
    try:
        fake.server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
