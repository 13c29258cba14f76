"""The fake Ollama itself speaks the protocol the real `ollama` client expects (version, pull progress)."""
from __future__ import annotations

import httpx
import ollama
import pytest

from tests.llm.fake_ollama import FakeOllama


def test_version_tags_and_pull_progress():
    with FakeOllama(models=["llama3.2:3b"]) as fake:
        fake.pullable["qwen2.5:0.5b"] = 400_000_000
        client = ollama.Client(host=fake.url, timeout=5)
        assert httpx.get(f"{fake.url}/api/version").json() == {"version": "0.6.5"}  # the client has no version()
        assert httpx.get(fake.url).text == "Ollama is running"
        progress = list(client.pull("qwen2.5:0.5b", stream=True))
        assert progress[0].status == "pulling manifest" and progress[-1].status == "success"
        downloads = [p for p in progress if p.digest]
        assert downloads[0].completed == 0 and downloads[-1].completed == downloads[-1].total == 400_000_000
        assert [m.model for m in client.list().models] == ["llama3.2:3b", "qwen2.5:0.5b"]
        with pytest.raises(ollama.ResponseError, match="file does not exist"):
            list(client.pull("no-such-model", stream=True))
        assert fake.requests_to("/api/pull")[0].json["model"] == "qwen2.5:0.5b"
