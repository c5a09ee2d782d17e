"""The plugin authors' surface: ``ganzoo.plugin`` and its version, the weights manifest,
``ganzoo export --into``, paired losses, and what a broken or incompatible plugin says."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from ganzoo import manifest
from ganzoo.errors import GanzooError, PluginError, RegistrationError, UnknownModelError
from ganzoo.hookspecs import PLUGIN_API
from ganzoo.host import PluginHost, PluginWarning, api_supported

WEIGHTS_ENTRY = {"model": "mini", "tag": "ring", "file": "mini-ring.safetensors", "sha256": "ab" * 32, "size": 10,
                 "license": "MIT", "dataset": "ring", "command": "ganzoo train mini --data ring", "default": True,
                 "metrics": {"modes_covered": 8, "high_quality": 0.98}}


def install_package(site: Path, dist: str, plugin_body: str, weights: list[dict] | None = None) -> str:
    """A distribution ``dist`` whose entry point is ``<package>.plugin`` (a real package, so it may
    carry a weights manifest), installed into ``site``; returns the package name."""
    package = dist.replace("-", "_")
    (site / package / "weights").mkdir(parents=True)
    (site / package / "__init__.py").write_text("")
    (site / package / "plugin.py").write_text(textwrap.dedent(plugin_body))
    if weights is not None:
        (site / package / "weights" / "weights.toml").write_text(manifest.dump(weights))
    info = site / f"{package}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\nLicense-Expression: MIT\n")
    (info / "entry_points.txt").write_text(f"[ganzoo]\n{dist.removeprefix('ganzoo-')} = {package}.plugin\n")
    return package


MINI = """
from ganzoo.plugin import ModelSpec, hookimpl

GANZOO_PLUGIN_API = "{api}"


@hookimpl
def ganzoo_register_models(register):
    register(ModelSpec(name="mini", summary="s", task="points-2d", builder="x.y:build", data_kinds=("points-2d",)))
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("GANZOO_LOAD_PLUGINS", "ganzoo-mini,ganzoo-broke")
    before = set(sys.modules)
    yield site
    for name in set(sys.modules) - before:
        if name.startswith(("ganzoo_mini", "ganzoo_broke")):
            sys.modules.pop(name)


def test_the_public_module_is_lazy_and_complete() -> None:
    code = ("import sys, ganzoo.plugin as p\n"
            "from ganzoo.plugin import ModelSpec, LossSpec, WeightsSpec, Paper, hookimpl, PLUGIN_API\n"
            "assert 'torch' not in sys.modules, 'declarations imported torch'\n"
            "missing = [n for n in p.__all__ if getattr(p, n, None) is None]\n"
            "assert not missing, missing\n"
            "assert p.Loss is p.AdversarialLoss and p.layers.mlp is p.mlp\n"
            "assert issubclass(p.Generator, p.Net) and 'torch' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("declared", "ok"), [(">=1.0,<2", True), (">=1", True), ("==1.5", True), ("1.5", True), ("1", False),
                                               (">=1.2,<2", True), (">=1.4,<2", True), (">=1.5,<2", True), (">=1.6,<2", False), ("<1", False),
                                               (">=2,<3", False), ("==1.4", False), ("!=1.5", False)])
def test_plugin_api_ranges(declared: str, ok: bool) -> None:
    assert PLUGIN_API == "1.5"
    assert api_supported(declared) is ok
    with pytest.raises(RegistrationError, match="version range"):
        api_supported("about one")


def test_an_incompatible_plugin_is_reported_and_skipped_and_its_names_say_so(site: Path) -> None:
    install_package(site, "ganzoo-mini", MINI.format(api=">=2.0,<3"))
    with pytest.warns(PluginWarning, match="ganzoo-mini.*plugin API >=2.0,<3.*provides plugin API 1.5"):
        host = PluginHost()
    info = next(p for p in host.plugins if p.name == "ganzoo-mini")
    assert info.status == "error" and info.api == ">=2.0,<3" and "IncompatiblePluginError" in info.error
    with pytest.raises(UnknownModelError, match="'mini' belongs to plugin 'ganzoo-mini'.*failed to load.*plugin API"):
        host.registry.get_model("mini")


def test_a_compatible_plugin_loads_with_its_manifest_weights(site: Path) -> None:
    package = install_package(site, "ganzoo-mini", MINI.format(api=">=1.0,<2"), [WEIGHTS_ENTRY])
    host = PluginHost()
    info = next(p for p in host.plugins if p.name == "ganzoo-mini")
    assert info.status == "ok" and info.registered == {"model": ["mini"], "weights": ["mini.ring"]}
    spec = host.registry.get_weights("mini")
    assert spec.urls == (f"package://{package}/weights/mini-ring.safetensors",)
    assert (spec.sha256, spec.size, spec.license, spec.default) == ("ab" * 32, 10, "MIT", True)
    assert dict(spec.metrics) == WEIGHTS_ENTRY["metrics"] and spec.plugin == "ganzoo-mini"


def test_a_bad_manifest_fails_the_plugin_with_the_file_named(site: Path) -> None:
    install_package(site, "ganzoo-mini", MINI.format(api=">=1.0,<2"), [{**WEIGHTS_ENTRY, "sha": "x"}])
    with pytest.warns(PluginWarning, match=r"weights\.toml \(entry 1, mini\.ring\): unknown key\(s\) \['sha'\]"):
        host = PluginHost()
    assert not host.registry.list_models()  # all or nothing


BROKEN = """
from ganzoo.plugin import hookimpl

VALUE = 1
RATIO = VALUE / 0
"""


def test_a_broken_plugin_names_its_file_and_line_and_the_names_it_would_have(site: Path, monkeypatch, capsys) -> None:
    install_package(site, "ganzoo-broke", BROKEN)
    with pytest.warns(PluginWarning, match=r"ZeroDivisionError.*ganzoo_broke/plugin\.py, line 5.*--traceback") as w:
        host = PluginHost()
    assert "Traceback" not in str(w[0].message)
    with pytest.raises(UnknownModelError, match=r"'broke' belongs to plugin 'ganzoo-broke'.*ZeroDivisionError"):
        host.registry.get_model("broke")
    with pytest.raises(UnknownModelError, match=r"failed to load and might provide it: ganzoo-broke"):
        host.registry.get_model("something-else")
    monkeypatch.setenv("GANZOO_TRACEBACK", "1")
    with pytest.warns(PluginWarning, match="ZeroDivisionError"):
        PluginHost()
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    monkeypatch.setenv("GANZOO_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"ganzoo_broke/plugin\.py, line 5"):
        PluginHost()


def test_cli_traceback_option_prints_the_plugin_traceback(site: Path, run_cli, monkeypatch) -> None:
    install_package(site, "ganzoo-broke", BROKEN)
    monkeypatch.setenv("PYTHONPATH", str(site))
    plain = run_cli("plugins")
    assert "ganzoo_broke/plugin.py, line 5" in plain.stderr and "Traceback (most" not in plain.stderr
    full = run_cli("--traceback", "plugins")
    assert "Traceback (most recent call last)" in full.stderr and "RATIO = VALUE / 0" in full.stderr
    missing = run_cli("info", "broke")
    assert missing.returncode == 1 and "belongs to plugin 'ganzoo-broke'" in missing.stderr


def test_manifest_upsert_replaces_a_tag_and_moves_the_default(tmp_path: Path) -> None:
    path = tmp_path / "weights.toml"
    manifest.upsert(path, WEIGHTS_ENTRY)
    manifest.upsert(path, {**WEIGHTS_ENTRY, "tag": "grid", "default": True, "metrics": {"x": float("nan")}})
    manifest.upsert(path, {**WEIGHTS_ENTRY, "size": 11, "default": False})
    entries = {e["tag"]: e for e in manifest.read(path)}
    assert set(entries) == {"grid", "ring"} and entries["ring"]["size"] == 11
    assert entries["grid"]["default"] and not entries["ring"]["default"]
    assert [s.name for s in manifest.specs(path, "pkg")] == ["mini.grid", "mini.ring"]


@pytest.mark.parametrize("name", ["minimax", "non-saturating", "least-squares", "wasserstein", "wasserstein-gp", "hinge"])
def test_paired_calls_of_the_built_in_losses_give_exactly_their_numbers(name: str) -> None:
    from ganzoo.losses import build_loss

    loss = build_loss(name)
    real, fake = torch.randn(16, 1, generator=torch.Generator().manual_seed(0)).unbind(1)[0], torch.randn(16)
    assert not loss.paired
    assert torch.equal(loss.d_loss_pair(real, fake), loss.d_loss(real, fake))
    assert torch.equal(loss.g_loss_pair(real, fake), loss.g_loss(fake))
    assert torch.equal(loss.g_loss_pair(None, fake), loss.g_loss(fake))


def test_a_paired_loss_is_one_class_and_refuses_the_unpaired_g_call() -> None:
    import torch.nn.functional as F

    from ganzoo.plugin import AdversarialLoss

    class RelativisticAverage(AdversarialLoss):
        name = "ragan"
        paired = True

        def d_loss_pair(self, real, fake):  # noqa: ANN001, ANN202
            return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()

        def g_loss_pair(self, real, fake):  # noqa: ANN001, ANN202
            return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()

    loss, real, fake = RelativisticAverage(), torch.randn(8), torch.randn(8)
    assert torch.equal(loss.d_loss(real, fake), loss.d_loss_pair(real, fake))  # families calling d_loss still work
    with pytest.raises(TypeError, match="g_loss_lazy"):
        loss.g_loss(fake)
    assert torch.equal(loss.g_loss_lazy(fake, lambda: real), loss.g_loss_pair(real, fake))


def test_export_into_a_plugin_writes_the_file_and_its_manifest_entry(tmp_path: Path) -> None:
    import ganzoo
    from ganzoo.cli import scaffold
    from ganzoo.services.export import export_into

    root = scaffold.write("mine", "points", tmp_path)
    run = ganzoo.train("vanilla", "ring", out=tmp_path / "runs", steps=2, batch_size=16, hidden=8, quiet=True,
                       sample_every=2, checkpoint_every=2)
    first = export_into(run.dir, "ring", root)
    second = export_into(run.dir, "tiny", root / "ganzoo_mine")  # a folder inside the plugin works too
    folder = root / "ganzoo_mine" / "weights"
    assert Path(first["file"]) == folder / "vanilla-ring.safetensors" and (folder / "vanilla-tiny.safetensors").is_file()
    assert not list(folder.glob(".export-*"))
    entries = {e["tag"]: e for e in manifest.read(folder / "weights.toml")}
    assert entries["ring"]["license"] == "MIT" and entries["ring"]["default"] and not entries["tiny"]["default"]
    assert entries["ring"]["command"].startswith("ganzoo train vanilla --data ring") and not second["notes"]
    spec = manifest.specs(folder / "weights.toml", "ganzoo_mine")[0]
    assert spec.sha256 == first["sha256"] and spec.urls == ("package://ganzoo_mine/weights/vanilla-ring.safetensors",)
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace('license = "MIT"\n', ""))
    with pytest.raises(GanzooError, match="names no licence"):
        export_into(run.dir, "ring", root)
