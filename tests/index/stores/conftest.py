"""A real Milvus server for the store tests: ``milvus-lite server`` on a free loopback port, stopped after."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
pytest.importorskip("milvus_lite", reason="the milvus extra is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiteServer:
    """A ``milvus-lite server`` process on 127.0.0.1 (never 0.0.0.0, its default) with its own data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"milvus-lite server exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("milvus-lite server did not start within 60 s") from None
                time.sleep(0.2)

    def store(self, collection: str) -> str:
        return f"milvus://127.0.0.1:{self.port}/{collection}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


@pytest.fixture(scope="session")
def milvus(tmp_path_factory) -> Iterator[LiteServer]:
    server = LiteServer(tmp_path_factory.mktemp("milvus"))
    yield server
    server.stop()


@pytest.fixture
def lite_server(tmp_path) -> Iterator[LiteServer]:
    """A server of the test's own, which the test may stop."""
    server = LiteServer(tmp_path / "milvus")
    yield server
    server.stop()
