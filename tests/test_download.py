"""ganzoo.io.download against a real HTTP server on 127.0.0.1: verified, atomic, mirrors, offline."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ganzoo.io import download
from ganzoo.io.download import ChecksumError, DownloadError, fetch

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/good":
            self._send(PAYLOAD)
        elif self.path == "/tampered":
            self._send(PAYLOAD[:-1] + b"!")
        elif self.path == "/truncated":  # promise 1 MiB, send half, hang up
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self.send_error(404, "Not Found")

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing-listens"


def only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_good_download_is_verified_and_renamed_into_place(server, tmp_path) -> None:
    target = tmp_path / "cache" / "w.bin"
    assert fetch([f"{server}/good"], target, sha256=SHA) == target
    assert target.read_bytes() == PAYLOAD and only(target.parent) == ["w.bin"]


def test_checksum_mismatch_deletes_the_file_and_names_both_hashes(server, tmp_path) -> None:
    target = tmp_path / "w.bin"
    with pytest.raises(ChecksumError) as err:
        fetch([f"{server}/tampered"], target, sha256=SHA)
    assert SHA in str(err.value) and hashlib.sha256(PAYLOAD[:-1] + b"!").hexdigest() in str(err.value)
    assert only(tmp_path) == []


@pytest.mark.parametrize("path, message", [("/missing", "HTTP 404"), ("/truncated", "closed after|failed")])
def test_failed_transfers_leave_nothing_in_the_cache(server, tmp_path, path: str, message: str) -> None:
    with pytest.raises(DownloadError, match=message):
        fetch([server + path], tmp_path / "w.bin", sha256=SHA)
    assert only(tmp_path) == []


def test_connection_refused_fails_within_seconds(tmp_path) -> None:
    start = time.perf_counter()
    with pytest.raises(DownloadError, match="cannot connect"):
        fetch([refused_url()], tmp_path / "w.bin", sha256=SHA)
    assert time.perf_counter() - start < 5 and only(tmp_path) == []


def test_mirrors_are_tried_in_order(server, tmp_path) -> None:
    target = tmp_path / "w.bin"
    fetch([refused_url(), f"{server}/missing", f"{server}/good"], target, sha256=SHA)
    assert target.read_bytes() == PAYLOAD


def test_file_urls_and_prefix_checks(tmp_path) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(PAYLOAD)
    target = tmp_path / "cache" / "w.bin"
    fetch([source.as_uri()], target, sha256_prefix=SHA[:8])
    assert target.read_bytes() == PAYLOAD
    with pytest.raises(ChecksumError):
        fetch([source.as_uri()], tmp_path / "cache" / "x.bin", sha256_prefix="00000000")
    with pytest.raises(ValueError, match="sha256"):
        fetch([source.as_uri()], tmp_path / "y.bin")  # never an unverified download


def test_offline_mode_refuses_the_network_and_says_so(server, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GANZOO_OFFLINE", "1")
    assert download.offline()
    with pytest.raises(DownloadError, match="GANZOO_OFFLINE"):
        fetch([f"{server}/good"], tmp_path / "w.bin", sha256=SHA, what="test weights")
    assert only(tmp_path) == []


def test_unknown_schemes_go_to_the_transport_hook(tmp_path, fixture_site, only_fixture_plugins) -> None:
    from ganzoo.host import PluginHost

    fixture_site("ganzoo-fixture-good")
    host = PluginHost(builtins=False)
    target = tmp_path / "w.bin"
    fetch(["fixture://toygan-ring"], target, sha256=hashlib.sha256(b"toy!").hexdigest(), host=host)
    assert target.read_bytes() == b"toy!"
    with pytest.raises(DownloadError, match="no installed plugin handles gopher://"):
        fetch(["gopher://x"], tmp_path / "g.bin", sha256=SHA, host=host)
