"""ganzoo-hf against a local Hub on 127.0.0.1 (conftest.py): hf:// downloads through the Hub's
cache, verified by the core's sha256; revisions; one-line errors; and ``ganzoo export --push``
landing the weights, the model card and the grid in the repository. No test touches the internet."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest

import ganzoo
from ganzoo.plugin import DownloadError, PushError
from ganzoo.testing import ChecksumError, call_hook, check_push_url, download, load_model
from ganzoo_hf import hub as hf
from ganzoo_hf import plugin

PAYLOAD = bytes(range(256)) * 512  # 128 KiB
SHA = hashlib.sha256(PAYLOAD).hexdigest()
URL = "hf://ganzoo/demo/demo.safetensors"


def gets(local, path: str) -> int:
    return sum(1 for method, p, _ in local.requests if method == "GET" and p.endswith(path))


def test_download_goes_through_the_hub_cache_and_is_verified(hub, tmp_path) -> None:
    hub.add("ganzoo/demo", {"demo.safetensors": PAYLOAD})
    first = download(URL, tmp_path / "cache" / "a.safetensors", sha256=SHA)
    assert first.read_bytes() == PAYLOAD and sorted(p.name for p in first.parent.iterdir()) == ["a.safetensors"]
    assert any(auth == f"Bearer {os.environ['HF_TOKEN']}" for _, _, auth in hub.requests)  # the token went along
    blobs = list((Path(os.environ["HF_HUB_CACHE"]) / "models--ganzoo--demo" / "blobs").iterdir())
    assert [b.read_bytes() for b in blobs] == [PAYLOAD]  # huggingface_hub's own cache holds it
    again = download(URL, tmp_path / "cache" / "b.safetensors", sha256=SHA)
    assert again.read_bytes() == PAYLOAD and gets(hub, "/demo.safetensors") == 1  # second time: from the Hub cache


def test_a_revision_after_at_picks_that_branch_or_commit(hub, tmp_path) -> None:
    old = b"old weights"
    commit = hub.add("ganzoo/demo", {"demo.safetensors": old}, ref="v1")
    hub.add("ganzoo/demo", {"demo.safetensors": PAYLOAD})
    for revision in ("v1", commit):
        out = download(f"{URL}@{revision}", tmp_path / f"{revision}.bin", sha256=hashlib.sha256(old).hexdigest())
        assert out.read_bytes() == old
    assert download(URL, tmp_path / "main.bin", sha256=SHA).read_bytes() == PAYLOAD
    assert hf.parse_file_url("hf://o/r/sub/f.safetensors@refs/pr/1") == ("o/r", "sub/f.safetensors", "refs/pr/1")


@pytest.mark.parametrize(("url", "message"), [
    ("hf://ganzoo/missing/demo.safetensors", "no Hub repository ganzoo/missing at http://127.0.0.1"),
    ("hf://ganzoo/demo/other.safetensors", "the Hub repository ganzoo/demo has no file 'other.safetensors'."),
    ("hf://ganzoo/demo/demo.safetensors@v9", "the Hub repository ganzoo/demo has no revision 'v9'"),
    ("hf://ganzoo/demo.safetensors", "is not an hf:// file URL; write hf://OWNER/REPO/FILE.safetensors[@REVISION]"),
    ("hf://ganzoo/bad..name/demo.safetensors", "Cannot have -- or .. in repo_id"),  # the Hub's own rule
])
def test_misses_are_one_line_download_errors(hub, tmp_path, url, message) -> None:
    hub.add("ganzoo/demo", {"demo.safetensors": PAYLOAD})
    with pytest.raises(DownloadError) as err:
        plugin.ganzoo_fetch_weights(url=url, destination=str(tmp_path / "x"))
    assert message in str(err.value) and "\n" not in str(err.value) and not (tmp_path / "x").exists()
    with pytest.raises(DownloadError, match="could not download"):  # the core reports it with the URL
        download(url, tmp_path / "cache" / "x", sha256=SHA)
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_a_file_that_differs_from_the_manifest_is_not_cached(hub, tmp_path) -> None:
    hub.add("ganzoo/demo", {"demo.safetensors": PAYLOAD[:-1] + b"!"})
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match=f"expected sha256 {SHA}"):
        download(URL, cache / "demo.safetensors", sha256=SHA)
    assert list(cache.iterdir()) == []


def test_no_hub_and_offline_are_one_line_errors(hub, tmp_path, monkeypatch) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    # huggingface_hub retries a dead Hub 5 times over ~23 s before giving up: keep the retries, skip the waits
    from huggingface_hub.utils import _http

    monkeypatch.setattr(_http, "time", types.SimpleNamespace(sleep=lambda seconds: None))
    with pytest.raises(DownloadError, match=f"cannot reach the Hub at {dead} for ganzoo/demo/demo.safetensors"):
        hf.download(URL, tmp_path / "x")
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DownloadError, match="HF_HUB_OFFLINE is set and ganzoo/demo/demo.safetensors is not in"):
        hf.download(URL, tmp_path / "x")


def test_other_schemes_are_left_to_others() -> None:
    assert plugin.ganzoo_fetch_weights(url="s3://b/k", destination="/nowhere") is None
    assert plugin.ganzoo_push_weights(url="s3://b/k", folder="/nowhere") is None


def test_hook_ganzoo_push_weights(hub, tmp_path, monkeypatch) -> None:
    folder = tmp_path / "staged"
    folder.mkdir()
    (folder / "m-t.safetensors").write_bytes(PAYLOAD)
    (folder / "README.md").write_text("---\nlibrary_name: ganzoo\n---\n# m.t\n")
    (folder / ".export-t.safetensors").write_bytes(b"a staging leftover, never uploaded")
    where = call_hook("ganzoo_push_weights", url="hf://me/fresh", folder=str(folder))
    assert where == f"{hub.url}/me/fresh" and hub.files("me/fresh") == {"m-t.safetensors": PAYLOAD,
                                                                       "README.md": (folder / "README.md").read_bytes()}
    assert call_hook("ganzoo_push_weights", url="gopher://x", folder=str(folder)) is None  # firstresult: not ours
    hub.read_only.add("me/fresh")
    with pytest.raises(PushError) as err:
        call_hook("ganzoo_push_weights", url="hf://me/fresh", folder=str(folder))
    assert "refused the push to me/fresh: HTTP 403" in str(err.value) and "HF_TOKEN" in str(err.value)
    assert "\n" not in str(err.value)
    with socket.socket() as sock:  # a Hub that is not there
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("HF_ENDPOINT", dead)
    with pytest.raises(PushError, match=f"cannot reach the Hub at {dead} .*; check the connection"):
        call_hook("ganzoo_push_weights", url="hf://me/fresh", folder=str(folder))


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory) -> Path:
    run = ganzoo.train("vanilla", "ring", out=tmp_path_factory.mktemp("hf-run"), steps=40, quiet=True,
                       sample_every=1_000).dir
    assert (run / "run.json").exists()  # written at start; the card quotes its command
    return run


def export(run: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ganzoo", "export", str(run), *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_push_lands_weights_card_and_grid_in_the_repository(hub, ring_run, tmp_path) -> None:
    done = export(ring_run, "--tag", "ring", "--push", "hf://me/ring-gan", "-n", "500")
    assert done.returncode == 0, done.stderr
    assert f"to {hub.url}/me/ring-gan" in done.stdout
    files = hub.files("me/ring-gan")
    assert sorted(files) == ["README.md", "samples.png", "vanilla-ring.safetensors"]
    assert files["samples.png"].startswith(b"\x89PNG")
    card = files["README.md"].decode()
    assert card.startswith("---\nlibrary_name: ganzoo\nlicense: \"MIT\"\n")
    started = json.loads((ring_run / "run.json").read_text())["command"]
    assert f"```bash\n{shlex.join(started)}\n```" in card  # the exact command, from run.json
    assert "| modes_covered |" in card and '"generated_samples": 500' in card  # metrics with provenance
    sha = hashlib.sha256(files["vanilla-ring.safetensors"]).hexdigest()
    assert sha in done.stdout and sha in card and 'urls = ["hf://me/ring-gan/vanilla-ring.safetensors"]' in card
    commits = [auth for method, path, auth in hub.requests if method == "POST" and "/commit/" in path]
    assert commits == [f"Bearer {os.environ['HF_TOKEN']}"]  # one commit, with the token
    # and back: the pushed file downloads, verifies and samples
    got = download("hf://me/ring-gan/vanilla-ring.safetensors", tmp_path / "back.safetensors", sha256=sha)
    assert load_model(got).meta["tag"] == "ring" and ganzoo.sample(got, 8).shape == (8, 2)


def test_a_second_push_updates_the_repository(hub, ring_run) -> None:
    hub.add("me/ring-gan", {"README.md": b"old card", "notes.txt": b"kept"})
    done = export(ring_run, "--tag", "ring", "--push", "hf://me/ring-gan", "--no-metrics", "--license", "CC-BY-4.0")
    assert done.returncode == 0, done.stderr
    files = hub.files("me/ring-gan")
    assert files["notes.txt"] == b"kept" and "license: \"CC-BY-4.0\"" in files["README.md"].decode()
    assert "Not measured" in files["README.md"].decode()


def test_push_to_a_malformed_hf_url_is_one_line(hub, ring_run) -> None:
    for url, message in (("hf://me", "write hf://OWNER/REPO"), ("hf://me/bad..name", "Cannot have -- or .. in repo_id")):
        done = export(ring_run, "--tag", "ring", "--push", url, "--no-metrics")
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_hook_ganzoo_push_accepts() -> None:
    """A push URL is checked before the export (``check_push_url``): no run is needed to be refused."""
    assert call_hook("ganzoo_push_accepts", url="hf://me/fresh") is True
    assert plugin.ganzoo_push_accepts(url="s3://b/k") is None
    assert check_push_url("hf://me/fresh") == "hf"
    for url, message in (("hf://me", "write hf://OWNER/REPO"), ("hf://me/a..b", "Cannot have -- or .. in repo_id")):
        with pytest.raises(PushError, match=message):
            check_push_url(url)
    with pytest.raises(PushError, match="no installed plugin pushes to s3:// URLs"):  # ganzoo-hf pushes hf:// only
        check_push_url("s3://bucket/key")
