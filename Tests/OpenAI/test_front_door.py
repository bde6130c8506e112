"""d8's OpenAI-compatible front door (``/v1/chat/completions``, ``/v1/models``) through the official
``openai`` SDK, with d8's workers calling the fake provider. See conftest.py for the setup."""
from __future__ import annotations

import json
import re
import threading
import time

import httpx2 as httpx
import openai
import pytest

from conftest import CLIENT_KEY, POOR_KEY, error_body, eventually
from support import WEATHER_TOOL


def user(text: str):
    return [{"role": "user", "content": text}]


# ---- plain and streamed completions ---------------------------------------------------------------

def test_plain_completion(d8, sdk, fake, nonce):
    raw = sdk.chat.completions.with_raw_response.create(model="groq", messages=user(f"hello {nonce}"))
    answer = raw.parse()
    task_id = raw.headers["x-d8-task-id"]
    assert answer.id == f"chatcmpl-{task_id}"
    assert answer.object == "chat.completion"
    assert answer.model == "groq"
    assert abs(answer.created - time.time()) < 60
    choice = answer.choices[0]
    assert choice.index == 0 and choice.message.role == "assistant"
    assert choice.message.content == f"echo: hello {nonce}"
    assert not choice.message.tool_calls
    assert choice.finish_reason == "stop"
    assert answer.usage.completion_tokens == 3
    assert answer.usage.prompt_tokens > 0
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + answer.usage.completion_tokens
    assert raw.headers["x-d8-worker-type"] == "groq"
    assert float(raw.headers["x-d8-cost-usd"]) > 0
    assert raw.headers.get("x-request-id")
    calls = fake.log(nonce)
    assert len(calls) == 1 and calls[0]["body"]["model"] == "llama-3.3-70b-versatile"


def test_model_of_a_worker_type(sdk, fake, nonce):
    answer = sdk.chat.completions.create(model="groq/llama-3.1-8b-instant", messages=user(f"small {nonce}"))
    assert answer.model == "groq/llama-3.1-8b-instant"
    assert answer.choices[0].message.content == f"echo: small {nonce}"
    assert [c["body"]["model"] for c in fake.log(nonce)] == ["llama-3.1-8b-instant"]


def test_request_fields_reach_the_provider(sdk, fake, nonce):
    sdk.chat.completions.create(model="groq", messages=[{"role": "system", "content": "be brief"}] + user(nonce),
                                temperature=0.2, max_tokens=50, top_p=0.9, stop=["zzz"], seed=7)
    body = fake.log(nonce)[0]["body"]
    assert body["messages"][0] == {"role": "system", "content": "be brief"}
    assert body["temperature"] == 0.2 and body["max_tokens"] == 50
    assert body["top_p"] == 0.9 and body["stop"] == ["zzz"] and body["seed"] == 7


def test_length_finish_reason(sdk, nonce):
    answer = sdk.chat.completions.create(model="groq", max_tokens=2, messages=user(f"a b c d {nonce}"))
    assert answer.choices[0].finish_reason == "length"
    assert answer.choices[0].message.content == "echo: a "


def test_alias_and_stats(d8, sdk, nonce):
    raw = sdk.chat.completions.with_raw_response.create(model="fast", messages=user(f"quick {nonce}"))
    assert raw.parse().model == "fast"
    assert raw.headers["x-d8-worker-type"] in ("groq", "echo")
    task = d8.task(raw.headers["x-d8-task-id"])
    assert task["type"] == "chat:fast" and task["d8_status"] == "completed"
    sdk.chat.completions.create(model="groq", messages=user(f"again {nonce}"))
    task_types = d8.stats()["task_types"]
    assert "chat:fast" in task_types and "chat:groq" in task_types, list(task_types)


def test_stream(sdk, fake, nonce):
    with sdk.chat.completions.with_streaming_response.create(model="groq", stream=True,
                                                             messages=user(f"one two {nonce}")) as raw:
        chunks = list(raw.parse())  # the SDK stops at data: [DONE]
    assert raw.headers["content-type"].startswith("text/event-stream")
    assert raw.headers.get("x-d8-task-id")
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert all(c.model == "groq" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == f"echo: one two {nonce}"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes == ["stop"]
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) >= 3  # streamed, not one lump
    assert len(fake.log(nonce)) == 1 and fake.log(nonce)[0]["body"].get("stream") is True


def test_stream_wire_format(d8, nonce):
    """The raw SSE: data lines only, JSON each, the last ``data: [DONE]``."""
    body = {"model": "groq", "stream": True, "messages": user(f"raw {nonce}")}
    with d8.http() as http, http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line]
    data = [line for line in lines if not line.startswith(":")]
    assert all(line.startswith("data: ") for line in data), data
    assert data[-1] == "data: [DONE]"
    for line in data[:-1]:
        assert json.loads(line[6:])["object"] == "chat.completion.chunk"


def test_stream_include_usage(sdk, nonce):
    chunks = list(sdk.chat.completions.create(model="groq", stream=True, stream_options={"include_usage": True},
                                              messages=user(f"usage {nonce}")))
    assert all(c.usage is None for c in chunks[:-1])
    last = chunks[-1]
    assert last.choices == []
    assert last.usage.completion_tokens == 3
    assert last.usage.total_tokens == last.usage.prompt_tokens + 3
    cost = (last.model_extra or {}).get("cost_usd", (last.usage.model_extra or {}).get("cost_usd"))
    assert cost is not None and cost > 0, "cost_usd, an extra key, in the usage chunk"


def test_stream_through_a_plugin_without_streaming(sdk, nonce):
    """echo has no execute_stream: its answer comes as one delta, still a proper stream."""
    chunks = list(sdk.chat.completions.create(model="echo", stream=True, messages=user(f"plain echo {nonce}")))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert nonce in "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].choices[0].finish_reason == "stop"


# ---- tools --------------------------------------------------------------------------------------------

def test_tools_round_trip(sdk, nonce):
    messages = user(f"Paris {nonce}")
    first = sdk.chat.completions.create(model="groq", messages=messages, tools=[WEATHER_TOOL])
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.type == "function" and call.function.name == "get_weather" and call.id
    assert json.loads(call.function.arguments) == {"city": f"Paris {nonce}"}
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": f"sunny {nonce}"}]
    second = sdk.chat.completions.create(model="groq", messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].message.content == f"tool said: sunny {nonce}"
    assert second.choices[0].finish_reason == "stop"


def test_tools_streamed(sdk, fake, nonce):
    chunks = list(sdk.chat.completions.create(model="groq", stream=True, tools=[WEATHER_TOOL],
                                              tool_choice="auto", messages=user(f"Oslo {nonce}")))
    assert fake.log(nonce)[0]["body"]["tools"][0]["function"]["name"] == "get_weather"
    pieces = [t for c in chunks if c.choices for t in (c.choices[0].delta.tool_calls or [])]
    assert pieces and pieces[0].index == 0 and pieces[0].id and pieces[0].type == "function"
    assert pieces[0].function.name == "get_weather"
    assert len(pieces) >= 2, "the arguments come in pieces"
    assert json.loads("".join(p.function.arguments or "" for p in pieces)) == {"city": f"Oslo {nonce}"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# ---- errors ---------------------------------------------------------------------------------------------

def test_bad_key(d8, nonce):
    with pytest.raises(openai.AuthenticationError) as caught:
        d8.sdk("not-a-key").chat.completions.create(model="groq", messages=user(nonce))
    assert caught.value.status_code == 401
    error_body(caught.value)
    with pytest.raises(openai.AuthenticationError):
        d8.sdk("not-a-key").models.list()


def test_unknown_model(sdk, nonce):
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.chat.completions.create(model="no-such-model", messages=user(nonce))
    assert caught.value.code == "model_not_found"
    assert "no-such-model" in error_body(caught.value)["message"]


def test_unpriced_model_of_a_worker_type_under_a_budget(sdk, fake, nonce):
    """A model no plugin or config prices has an unknown cost, which is not free: under the
    client key's budget it is refused by name, and nothing reaches the provider."""
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="groq/no-such-model", messages=user(nonce))
    assert caught.value.code == "unknown_price"
    assert "unknown" in error_body(caught.value)["message"]
    assert fake.log(nonce) == []


@pytest.mark.parametrize("body,param", [
    ({"model": "groq"}, "messages"),
    ({"model": "groq", "messages": []}, "messages"),
    ({"model": "groq", "messages": [{"role": "user", "content": "x"}], "temperature": 5}, "temperature"),
    ({"model": "groq", "messages": [{"role": "user", "content": "x"}], "n": 2}, "n"),
    ({"model": "groq", "messages": [{"role": "user", "content": "x"}], "logprobs": True}, "logprobs"),
    ({"messages": [{"role": "user", "content": "x"}]}, "model"),
])
def test_bad_request(sdk, fake, body, param):
    before = len(fake.log())
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.post("/chat/completions", body=body, cast_to=object)
    error = error_body(caught.value)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param, error
    assert caught.value.param == param
    assert len(fake.log()) == before, "a refused request reaches no provider"


def test_spent_budget(d8, fake, nonce):
    poor = d8.sdk(POOR_KEY)
    raw = poor.chat.completions.with_raw_response.create(model="groq", max_tokens=5,
                                                         messages=user(f"BIGUSAGE {nonce}"))
    assert float(raw.headers["x-d8-cost-usd"]) > 0.01  # a million prompt tokens: the budget is spent
    with pytest.raises(openai.RateLimitError) as caught:
        poor.chat.completions.create(model="groq", messages=user(f"after {nonce}"))
    assert caught.value.code == "budget_exceeded"
    retry_after = int(caught.value.response.headers["retry-after"])
    assert 0 < retry_after <= 86400
    assert len(fake.log(f"after {nonce}")) == 0


def test_cost_ceiling_excludes_every_route(sdk, nonce):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="groq", messages=user(nonce),
                                    extra_headers={"x-d8-max-cost-usd": "0.0000001"})
    assert caught.value.code == "no_eligible_model"
    assert re.search(r"1e-07|0\.0000001", error_body(caught.value)["message"]), caught.value.message
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="tiny", messages=user(nonce))
    assert caught.value.code == "no_eligible_model"
    assert re.search(r"1e-07|0\.0000001", error_body(caught.value)["message"]), caught.value.message


def test_d8_timeout(d8, sdk, nonce):
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model="groq", messages=user(f"SLEEP3000 {nonce}"),
                                    extra_headers={"x-d8-timeout": "1"})
    assert time.monotonic() - started < 2.9
    error = caught.value
    assert error.status_code == 504
    assert isinstance(error, openai.InternalServerError)  # the SDK's class for every 5xx
    assert error.code == "timeout"
    task_id = error.response.headers.get("x-d8-task-id")
    message = error_body(error)["message"]
    if task_id:
        assert task_id in message
    else:
        assert re.search(r"[0-9a-f-]{8,}", message), message


def test_sdk_timeout(sdk, nonce):
    """The SDK's own timeout: APITimeoutError, as against any server."""
    with pytest.raises(openai.APITimeoutError):
        sdk.with_options(timeout=0.5).chat.completions.create(model="groq", messages=user(f"SLEEP2000 {nonce}"))


def test_every_worker_type_failed(sdk, bad_fake, nonce):
    with pytest.raises(openai.APIStatusError) as caught:
        sdk.chat.completions.create(model="broken", messages=user(nonce))
    assert caught.value.status_code == 502
    assert error_body(caught.value)["type"] == "api_error"
    assert len(bad_fake.log(nonce)) >= 1


@pytest.mark.parametrize("header,value", [("x-d8-priority", "11"), ("x-d8-priority", "high"),
                                          ("x-d8-max-cost-usd", "-1"), ("x-d8-timeout", "soon")])
def test_bad_d8_header(sdk, fake, nonce, header, value):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="groq", messages=user(nonce), extra_headers={header: value})
    error = error_body(caught.value)
    assert error["type"] == "invalid_request_error"
    assert header in error["message"].lower() or error["param"] == header, error
    assert fake.log(nonce) == []


def test_stream_whose_every_worker_type_failed(sdk, nonce):
    """Before the first token the status is still free: a 502, not a 200 stream."""
    with pytest.raises(openai.InternalServerError) as caught:
        for _ in sdk.chat.completions.create(model="broken", stream=True, messages=user(nonce)):
            pass
    assert caught.value.status_code == 502


def test_failure_mid_stream(d8, sdk, nonce):
    got = []
    with pytest.raises(openai.APIError) as caught:
        for chunk in sdk.chat.completions.create(model="groq", stream=True, messages=user(f"CUTSTREAM a b c {nonce}")):
            got.append(chunk)
    assert any(c.choices and c.choices[0].delta.content for c in got), "the first tokens came"
    assert not isinstance(caught.value, openai.APIConnectionError), "an error event, not a broken connection"
    # The raw stream: a data: {"error": ...} event at the end.
    body = {"model": "groq", "stream": True, "messages": user(f"CUTSTREAM a b c {nonce} raw")}
    with d8.http() as http, http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        data = [line for line in response.iter_lines() if line.startswith("data: ")]
    errors = [json.loads(line[6:]) for line in data if line.startswith('data: {"error"')]
    assert errors and {"message", "type"} <= set(errors[0]["error"]), data


# ---- fallback, disconnect, idempotency, priority, queueing -------------------------------------------

def test_fallback_to_the_next_worker_type(sdk, fake, bad_fake, nonce):
    raw = sdk.chat.completions.with_raw_response.create(model="fallback", messages=user(f"fall {nonce}"))
    assert raw.parse().choices[0].message.content == f"echo: fall {nonce}"
    assert raw.headers["x-d8-worker-type"] == "groq_good"
    assert len(bad_fake.log(nonce)) >= 1, "groq_bad was tried first"
    assert len(fake.log(nonce)) == 1


def test_disconnect_cancels_the_task(d8, sdk, fake, nonce):
    with sdk.chat.completions.with_streaming_response.create(
            model="groq", stream=True, messages=user(f"SLOW {nonce}")) as response:
        task_id = response.headers["x-d8-task-id"]
        for line in response.iter_lines():
            if line.startswith("data: {"):
                chunk = json.loads(line[6:])
                if chunk.get("choices") and chunk["choices"][0]["delta"].get("content"):
                    break  # the first token is here: hang up
    eventually(lambda: d8.task(task_id)["d8_status"] == "cancelled", 10, f"task {task_id} cancelled")
    # and the provider's answer is abandoned too (the worker stops reading): well before its 10 s
    eventually(lambda: fake.log(nonce)[0]["outcome"] == "client_closed", 8, "the provider call hung up")


def cancelled(d8, task_type: str) -> int:
    return int(((d8.stats()["task_types"].get(task_type) or {}).get("counts") or {}).get("cancelled", 0))


def test_disconnect_while_queued_cancels_the_task(d8, fake, nonce):
    """lane busy: a streamed request waits in the queue, gets its 200 and ': queued' lines after
    keepalive (1 s); the client hangs up: the task is cancelled and never reaches the provider."""
    busy = threading.Thread(target=lambda: d8.sdk().chat.completions.create(
        model="lane", messages=user(f"SLEEP2500 busy {nonce}")))
    busy.start()
    eventually(lambda: fake.log(f"busy {nonce}"), 10, "the busy task at the provider")
    body = {"model": "lane", "stream": True, "messages": user(f"hang up {nonce}")}
    with d8.http() as http, http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        task_id = response.headers["x-d8-task-id"]
        for line in response.iter_lines():
            if line.startswith(":"):
                break
    hung_up = time.monotonic()
    eventually(lambda: d8.task(task_id)["d8_status"] == "cancelled", 5, f"task {task_id} cancelled")
    assert time.monotonic() - hung_up < 1.0, "cancelled at once, not when lane came free (~1.4 s later)"
    busy.join(10)
    time.sleep(0.3)
    assert fake.log(f"hang up {nonce}") == [], "a cancelled task is not run"


def test_disconnect_before_the_first_token_cancels_the_task(d8, nonce):
    """The client gives up (its read timeout) while the provider is still thinking."""
    before = cancelled(d8, "chat:groq_good")
    with pytest.raises(openai.APITimeoutError):
        for _ in d8.sdk(timeout=1.0).chat.completions.create(
                model="groq_good", stream=True, messages=user(f"SLEEP3000 {nonce}")):
            pass
    eventually(lambda: cancelled(d8, "chat:groq_good") == before + 1, 5, "the task counted cancelled")


def test_idempotency(sdk, fake, nonce):
    headers = {"Idempotency-Key": f"idem-{nonce}"}
    first = sdk.chat.completions.with_raw_response.create(model="groq", messages=user(f"once {nonce}"), extra_headers=headers)
    second = sdk.chat.completions.with_raw_response.create(model="groq", messages=user(f"once {nonce}"), extra_headers=headers)
    assert first.headers["x-d8-task-id"] == second.headers["x-d8-task-id"]
    assert first.parse().id == second.parse().id
    assert first.parse().choices[0].message.content == second.parse().choices[0].message.content
    assert len(fake.log(nonce)) == 1, "no second provider call"
    other = sdk.chat.completions.with_raw_response.create(model="groq", messages=user(f"once {nonce}"),
                                                         extra_headers={"Idempotency-Key": f"idem2-{nonce}"})
    assert other.headers["x-d8-task-id"] != first.headers["x-d8-task-id"]


def pending(d8, task_type: str) -> int:
    entry = d8.stats()["task_types"].get(task_type) or {}
    counts = entry.get("counts", entry)
    return int(counts.get("pending", 0)) if isinstance(counts, dict) else 0


def test_priority(d8, fake, nonce):
    """One slot (worker type lane): a task busy, three low-priority ones queued, then a priority-10
    one: it is the next to reach the provider."""
    errors = []

    def ask(label: str, priority: int) -> None:
        try:
            d8.sdk().chat.completions.create(model="lane", messages=user(f"SLEEP600 {label} {nonce}"),
                                             extra_headers={"x-d8-priority": str(priority)})
        except Exception as error:  # noqa: BLE001
            errors.append((label, error))

    threads = [threading.Thread(target=ask, args=("low0", 1))]
    threads[0].start()
    eventually(lambda: fake.log(f"low0 {nonce}"), 10, "the first task at the provider")
    for i in (1, 2, 3):
        threads.append(threading.Thread(target=ask, args=(f"low{i}", 1)))
        threads[-1].start()
    eventually(lambda: pending(d8, "chat:lane") >= 3, 5, "three tasks queued for lane")
    threads.append(threading.Thread(target=ask, args=("high", 10)))
    threads[-1].start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    order = [re.search(r"SLEEP600 (\w+) ", json.dumps(e["body"])).group(1) for e in fake.log(nonce)]
    assert order[:2] == ["low0", "high"], order
    assert sorted(order) == ["high", "low0", "low1", "low2", "low3"]


def test_queued_stream_gets_keepalive_comments(d8, fake, nonce):
    """keepalive 1s: a streamed request still queued after it has its 200 and ': queued' lines."""
    busy = threading.Thread(target=lambda: d8.sdk().chat.completions.create(
        model="lane", messages=user(f"SLEEP2500 busy {nonce}")))
    busy.start()
    eventually(lambda: fake.log(f"busy {nonce}"), 10, "the busy task at the provider")
    started = time.monotonic()
    body = {"model": "lane", "stream": True, "messages": user(f"waiting {nonce}")}
    with d8.http() as http, http.stream("POST", "/v1/chat/completions", json=body) as response:
        assert response.status_code == 200
        assert time.monotonic() - started < 2.0, "the 200 comes after keepalive, before the task runs"
        lines = [line for line in response.iter_lines() if line]
    busy.join(10)
    first_data = next(i for i, line in enumerate(lines) if line.startswith("data: "))
    assert ": queued" in lines[:first_data], lines[:first_data + 1]
    assert lines[-1] == "data: [DONE]"


# ---- models ----------------------------------------------------------------------------------------------

def test_models(sdk):
    models = sdk.models.list()
    assert models.object == "list"
    ids = {m.id for m in models.data}
    assert {"fast", "fallback", "groq", "groq_good", "lane", "echo"} <= ids, ids
    assert {"groq/llama-3.3-70b-versatile", "groq/llama-3.1-8b-instant"} <= ids, ids
    for m in models.data:
        assert m.object == "model" and m.owned_by == "d8" and isinstance(m.created, int)
    assert sdk.models.retrieve("fast").id == "fast"
    assert sdk.models.retrieve("groq").id == "groq"
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.models.retrieve("no-such-model")
    assert caught.value.code == "model_not_found"


def test_model_of_a_worker_type_retrieved(sdk):
    """The SDK sends GET /v1/models/groq%2Fllama-3.3-70b-versatile (the slash percent-encoded)."""
    assert sdk.models.retrieve("groq/llama-3.3-70b-versatile").id == "groq/llama-3.3-70b-versatile"


def test_models_wire_format(d8):
    with d8.http() as http:
        body = http.get("/v1/models").json()
    assert body["object"] == "list"
    assert set(body["data"][0]) >= {"id", "object", "created", "owned_by"}
    with httpx.Client() as http:
        assert http.get(d8.url + "/v1/models", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert CLIENT_KEY not in json.dumps(body)
