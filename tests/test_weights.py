"""Pretrained weights: export, the verified cache, safe loading, and the CLI around them.
Weights are served by a real HTTP server on 127.0.0.1 (tests/test_download.py covers the
transfer failures themselves)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.artifacts import weights
from ganzoo.artifacts.loading import load_weights
from ganzoo.errors import GanzooError
from ganzoo.host import PluginHost
from ganzoo.registry import WeightsSpec
from ganzoo.services import export


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("weights-run")
    return ganzoo.train("vanilla", "ring", out=out, steps=300, ema=True, quiet=True, sample_every=1_000).dir


@pytest.fixture(scope="module")
def exported(ring_run, tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("served")
    entry = export.export(ring_run, "ring", folder / "vanilla-ring.safetensors", metrics={"modes_covered": 8})
    return folder, entry


@pytest.fixture(scope="module")
def server(exported) -> Iterator[str]:
    folder, _ = exported
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None  # type: ignore[assignment]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GANZOO_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def host_with(*specs: WeightsSpec) -> PluginHost:
    host = PluginHost()
    host.registry.add_all("test-weights", specs)
    return host


def spec_for(entry: dict, *urls: str, sha256: str | None = None) -> WeightsSpec:
    return WeightsSpec(model="vanilla", tag="served", urls=urls, sha256=sha256 or entry["sha256"], size=entry["size"],
                       dataset="ring", command=entry["command"])


def test_export_round_trip_gives_the_same_samples(ring_run, exported) -> None:
    folder, entry = exported
    path = folder / "vanilla-ring.safetensors"
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest() and entry["size"] == path.stat().st_size
    assert entry["command"] == "ganzoo train vanilla --data ring --set steps=300"  # ema=True is the default
    assert torch.equal(ganzoo.sample(path, 200, seed=3), ganzoo.sample(ring_run, 200, seed=3))  # EMA weights
    tensors, meta = weights.read(path)
    assert all(key.startswith("G.") for key in tensors)  # the sampling net only: no discriminator
    assert meta["model"] == "vanilla" and meta["ema"] is True and meta["config"]["steps"] == 300
    assert meta["metrics"] == {"modes_covered": 8} and meta["ganzoo_version"] == ganzoo.__version__


def test_fp16_export_halves_the_file_and_keeps_the_samples(ring_run, tmp_path) -> None:
    full = export.export(ring_run, "x", tmp_path / "full.safetensors")
    half = export.export(ring_run, "x", tmp_path / "half.safetensors", fp16=True)
    assert half["size"] < 0.6 * full["size"]
    a, b = ganzoo.sample(tmp_path / "full.safetensors", 500), ganzoo.sample(tmp_path / "half.safetensors", 500)
    assert (a - b).abs().max() < 5e-3  # ring modes have std 0.01


def test_download_into_the_cache_then_offline_use(exported, server, home, monkeypatch) -> None:
    _, entry = exported
    host = host_with(spec_for(entry, f"{server}/vanilla-ring.safetensors"))
    monkeypatch.setenv("GANZOO_OFFLINE", "1")
    with pytest.raises(GanzooError, match="not in the cache.*GANZOO_OFFLINE"):
        load_weights("vanilla.served", host=host)
    monkeypatch.delenv("GANZOO_OFFLINE")
    loaded = load_weights("vanilla.served", host=host)
    cached = weights.cache_path(host.registry.get_weights("vanilla.served"))
    assert cached.is_file() and cached.parent == home / "weights"
    assert loaded.meta["weights"] == "vanilla.served"
    monkeypatch.setenv("GANZOO_OFFLINE", "1")  # now cached: no network needed
    assert load_weights("vanilla.served", host=host).model.data.kind == "points-2d"


def test_checksum_mismatch_leaves_the_cache_empty(exported, server, home) -> None:
    _, entry = exported
    host = host_with(spec_for(entry, f"{server}/vanilla-ring.safetensors", sha256="ab" * 32))
    with pytest.raises(GanzooError, match="checksum mismatch.*expected sha256 abab") as err:
        load_weights("vanilla.served", host=host)
    assert entry["sha256"] in str(err.value)
    assert not any((home / "weights").glob("*"))


def test_second_mirror_is_used_when_the_first_fails(exported, server, home) -> None:
    _, entry = exported
    host = host_with(spec_for(entry, f"{server}/gone.safetensors", f"{server}/vanilla-ring.safetensors"))
    assert load_weights("vanilla.served", host=host).meta["model"] == "vanilla"


def test_verify_catches_a_tampered_cached_file(exported, server, home) -> None:
    _, entry = exported
    spec = spec_for(entry, f"{server}/vanilla-ring.safetensors")
    host = host_with(spec)
    weights.ensure(host.registry.get_weights("vanilla.served"), host)
    assert weights.verify(spec) == ("ok", entry["sha256"])
    path = weights.cache_path(spec)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    status, actual = weights.verify(spec)
    assert status == "MISMATCH" and actual != entry["sha256"]


def test_pickles_that_run_code_are_refused(tmp_path) -> None:
    class Exploit:
        def __reduce__(self):
            return (print, ("this must never run",))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"meta": {}, "tensors": {"G.w": Exploit()}}))
    with pytest.raises(GanzooError, match="could run code"):
        weights.read(evil)
    with pytest.raises(GanzooError, match="could run code"):
        ganzoo.sample(evil, 4)


def test_legacy_pt_weights_load_with_weights_only(exported, tmp_path) -> None:
    folder, _ = exported
    tensors, meta = weights.read(folder / "vanilla-ring.safetensors")
    legacy = tmp_path / "legacy.pt"
    torch.save({"meta": meta, "tensors": tensors}, legacy)
    assert torch.equal(ganzoo.sample(legacy, 50), ganzoo.sample(folder / "vanilla-ring.safetensors", 50))


def test_foreign_safetensors_get_a_clear_error(tmp_path) -> None:
    from safetensors.torch import save_file

    path = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(GanzooError, match="not ganzoo weights.*ganzoo export"):
        ganzoo.sample(path, 4)


def test_cli_export_prints_a_weights_entry(ring_run, tmp_path) -> None:
    out = tmp_path / "v.safetensors"
    result = subprocess.run([sys.executable, "-m", "ganzoo", "export", str(ring_run), "--tag", "ring", "--out",
                             str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"sha256='{sha}'" in result.stdout and f"size={out.stat().st_size}" in result.stdout
    assert "modes_covered" in result.stdout and "ganzoo train vanilla --data ring" in result.stdout
    assert weights.read(out)[1]["metrics"]["modes_total"] == 8
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # readable by others, as any file a user writes
    bad = subprocess.run([sys.executable, "-m", "ganzoo", "export", str(ring_run), "--tag", "Bad.Tag", "--out",
                          str(tmp_path / "x.safetensors")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "weights tag" in bad.stderr and "Traceback" not in bad.stderr


def test_tampered_cached_weights_are_refused_at_use_and_repaired_by_download(tmp_path) -> None:
    """`ganzoo weights verify` says ok, then MISMATCH with exit 1 after tampering; sample and eval refuse
    the file with the fix named; `ganzoo weights download` repairs it."""
    env = {"GANZOO_HOME": str(tmp_path / "home"), "PATH": "", "HF_HUB_OFFLINE": "1"}
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=300,
                            env={**__import__("os").environ, **env})
    listed = json.loads(run([sys.executable, "-m", "ganzoo", "weights", "list", "--json"]).stdout)
    name = next(w["name"] for w in listed if w["model"] == "vanilla")
    fetched = run([sys.executable, "-m", "ganzoo", "weights", "download", name])
    assert fetched.returncode == 0, fetched.stderr
    assert f"{name}: ok" in run([sys.executable, "-m", "ganzoo", "weights", "verify", name]).stdout
    path = Path(run([sys.executable, "-m", "ganzoo", "weights", "path", name]).stdout.strip())
    good = path.read_bytes()
    path.write_bytes(good[:-400] + b"\x00" * 400)  # same size: a size check alone would pass it
    checked = run([sys.executable, "-m", "ganzoo", "weights", "verify", name])
    assert checked.returncode == 1 and "MISMATCH" in checked.stdout
    for command in (["sample", name, "--out", str(tmp_path / "x.npy")], ["eval", name]):
        used = run([sys.executable, "-m", "ganzoo", *command])  # never used silently
        assert used.returncode == 1 and "do not match their sha256" in used.stderr, used.stderr
        assert f"ganzoo weights download {name}" in used.stderr and "Traceback" not in used.stderr
    assert not (tmp_path / "x.npy").exists()
    repaired = run([sys.executable, "-m", "ganzoo", "weights", "download", name])
    assert repaired.returncode == 0 and path.read_bytes() == good
    assert run([sys.executable, "-m", "ganzoo", "sample", name, "--out", str(tmp_path / "x.npy")]).returncode == 0


OFFICIAL = ("vanilla", "cgan", "dcgan", "wgan", "wgan-gp", "cyclegan", "stylegan-lite")


def test_every_official_model_has_pretrained_weights_that_work_offline(tmp_path) -> None:
    """After installation, with no cache and no network: a tag per model, and sampling works."""
    import os

    env = {**os.environ, "GANZOO_HOME": str(tmp_path / "fresh-home"), "GANZOO_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=300, env=env)
    listed = json.loads(run([sys.executable, "-m", "ganzoo", "weights", "list", "--json"]).stdout)
    default = {}
    for w in listed:
        if w["model"] in OFFICIAL and (w["default"] or w["model"] not in default):
            default[w["model"]] = w["name"]
    assert sorted(default) == sorted(OFFICIAL)
    sketch = tmp_path / "sketch.png"
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(sketch)
    for model, name in default.items():
        if model == "cyclegan":
            done = run([sys.executable, "-m", "ganzoo", "translate", name, "--input", str(sketch), "--out",
                        str(tmp_path / "translated")])
            assert done.returncode == 0, done.stderr
            assert (tmp_path / "translated" / "sketch.png").is_file()
        else:
            out = tmp_path / f"{model}.png"
            done = run([sys.executable, "-m", "ganzoo", "sample", name, "-n", "16", "--out", str(out)])
            assert done.returncode == 0, done.stderr
            assert out.stat().st_size > 0


def test_python_api_accepts_pretrained_names() -> None:
    generator = ganzoo.load("dcgan.shapes")
    assert isinstance(generator, torch.nn.Module) and not generator.training
    with torch.no_grad():
        assert generator(torch.randn(2, 100)).shape == (2, 3, 32, 32)
    assert ganzoo.load("cyclegan.sketches2photos", direction="b2a") is not None
    assert ganzoo.sample("vanilla.ring", 10).shape == (10, 2)
