"""The fake provider against the official ``openai`` SDK, pointed straight at it: this proves its
wire format before d8 is put between them. No d8 needed."""
from __future__ import annotations

import json

import httpx2 as httpx  # the HTTP client the openai package ships with
import openai
import pytest

from fake_provider import FakeProvider
from support import WEATHER_TOOL


@pytest.fixture(scope="module")
def fake():
    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def sdk(fake):
    return openai.OpenAI(base_url=fake.url, api_key="fake-key", max_retries=0, timeout=10)


def test_plain_completion(sdk, fake):
    answer = sdk.chat.completions.create(model="llama-3.3-70b-versatile",
                                         messages=[{"role": "user", "content": "hello fake world"}])
    assert answer.object == "chat.completion"
    assert answer.model == "llama-3.3-70b-versatile"
    assert answer.choices[0].message.role == "assistant"
    assert answer.choices[0].message.content == "echo: hello fake world"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage.completion_tokens == 4
    assert answer.usage.total_tokens == answer.usage.prompt_tokens + 4
    assert fake.log("hello fake world")[-1]["outcome"] == "done"


def test_answers_are_chunked_and_gzipped():
    fake = FakeProvider().start()
    try:
        body = {"model": "m", "messages": [{"role": "user", "content": "zip me"}], "stream": True}
        with httpx.Client() as http:
            with http.stream("POST", fake.url + "/chat/completions", json=body,
                             headers={"Authorization": "Bearer k", "Accept-Encoding": "gzip"}) as response:
                assert response.headers["transfer-encoding"] == "chunked"
                assert response.headers["content-encoding"] == "gzip"
                lines = [line for line in response.iter_lines() if line]
            assert lines[-1] == "data: [DONE]"
            plain = http.post(fake.url + "/chat/completions", json=dict(body, stream=False),
                              headers={"Authorization": "Bearer k", "Accept-Encoding": "identity"})
            assert "content-encoding" not in plain.headers
            assert plain.json()["choices"][0]["message"]["content"] == "echo: zip me"
    finally:
        fake.stop()


def test_stream(sdk):
    chunks = list(sdk.chat.completions.create(model="m", stream=True,
                                              messages=[{"role": "user", "content": "one two three"}]))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: one two three"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["x_groq"]["usage"]["completion_tokens"] == 4


def test_stream_include_usage(sdk):
    chunks = list(sdk.chat.completions.create(model="m", stream=True, stream_options={"include_usage": True},
                                              messages=[{"role": "user", "content": "count me"}]))
    assert all(c.usage is None for c in chunks[:-1])
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 3


def test_tools_round_trip(sdk):
    messages = [{"role": "user", "content": "Paris"}]
    first = sdk.chat.completions.create(model="m", messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"}]
    second = sdk.chat.completions.create(model="m", messages=messages, tools=[WEATHER_TOOL])
    assert second.choices[0].message.content == "tool said: sunny, 21 C"


def test_tools_streamed_in_pieces(sdk):
    chunks = list(sdk.chat.completions.create(model="m", stream=True, tools=[WEATHER_TOOL],
                                              messages=[{"role": "user", "content": "Lisbon"}]))
    pieces = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert pieces[0].id and pieces[0].function.name == "get_weather"
    assert len(pieces) >= 3
    assert json.loads("".join(p.function.arguments or "" for p in pieces)) == {"city": "Lisbon"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_max_tokens_cuts(sdk):
    answer = sdk.chat.completions.create(model="m", max_tokens=2, messages=[{"role": "user", "content": "a b c d"}])
    assert answer.choices[0].message.content == "echo: a " and answer.choices[0].finish_reason == "length"


@pytest.mark.parametrize("marker,error", [("FAIL500", openai.InternalServerError),
                                          ("FAIL429", openai.RateLimitError),
                                          ("FAIL400", openai.BadRequestError)])
def test_failures(sdk, marker, error):
    with pytest.raises(error):
        sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": marker}])


def test_bad_key_with_a_key_set():
    fake = FakeProvider(api_key="right").start()
    try:
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=fake.url, api_key="wrong", max_retries=0).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}])
    finally:
        fake.stop()


def test_cut_stream_raises(sdk, fake):
    got = []
    with pytest.raises((httpx.HTTPError, openai.APIError)):
        for c in sdk.chat.completions.create(model="m", stream=True,
                                             messages=[{"role": "user", "content": "CUTSTREAM a b c d e"}]):
            got.append(c)
    assert got and fake.log("CUTSTREAM a b c d e")[-1]["outcome"] == "cut"


def test_log_over_http(sdk, fake):
    sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "logged-7731"}])
    with httpx.Client() as http:
        entries = http.get(fake.url + "/_log", params={"contains": "logged-7731"}).json()["requests"]
    assert len(entries) == 1 and entries[0]["body"]["messages"][0]["content"] == "logged-7731"
    assert entries[0]["headers"]["authorization"] == "Bearer fake-key"
