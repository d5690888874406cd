"""``uvicorn <module>:app`` serves a variant, and a plain HTTP client sees the seed's bytes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from repro.probes import SEED_BODY, SEED_STATUS

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served_seed() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "repro.handler_merge:app", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/v1/code/triggers", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_served_seed_variant_answers_the_seed_bytes_over_http(served_seed: str) -> None:
    created = httpx.post(f"{served_seed}/v1/code/triggers", json={"name": "nightly"})
    trigger_id = created.json()["id"]

    omitted = httpx.post(f"{served_seed}/v1/code/triggers/{trigger_id}/run")
    empty = httpx.post(f"{served_seed}/v1/code/triggers/{trigger_id}/run", json={})
    got = httpx.get(f"{served_seed}/v1/code/triggers/{trigger_id}")

    assert created.status_code == 201
    assert (omitted.status_code, omitted.content) == (SEED_STATUS, SEED_BODY)
    assert (empty.status_code, empty.content) == (SEED_STATUS, SEED_BODY)
    assert got.status_code == 200
