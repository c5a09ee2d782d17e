"""The plugin layer: discovery through distribution metadata, isolation of broken plugins."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from ganzoo.errors import AmbiguousNameError, PluginError
from ganzoo.host import PluginHost, PluginWarning


def by_name(host: PluginHost) -> dict:
    return {p.name: p for p in host.plugins}


def test_entry_point_plugin_is_discovered_from_dist_info(fixture_site, only_fixture_plugins) -> None:
    fixture_site("ganzoo-fixture-good")
    host = PluginHost()
    info = by_name(host)["ganzoo-fixture-good"]
    assert (info.status, info.version, info.source, info.entry_point) == ("ok", "1.2.3", "entry point", "good")
    assert info.registered == {"model": ["toygan"], "loss": ["toyloss"], "dataset": ["toyset"], "weights": ["toygan.ring"],
                               "features": ["toyfeat"]}
    spec = host.registry.get_model("toygan")
    assert spec.plugin == "ganzoo-fixture-good" and spec.paper.year == 2014
    assert host.registry.get_weights("toygan").name == "toygan.ring"


def test_broken_plugins_are_reported_and_skipped_while_good_ones_work(fixture_site, only_fixture_plugins) -> None:
    fixture_site("ganzoo-fixture-good", "ganzoo-fixture-broken", "ganzoo-fixture-misspelt", "ganzoo-fixture-badspec")
    with pytest.warns(PluginWarning) as caught:
        host = PluginHost()
    plugins = by_name(host)
    assert plugins["ganzoo-fixture-good"].status == "ok"
    assert plugins["ganzoo-fixture-broken"].status == "error"
    assert "not-installed-anywhere" in plugins["ganzoo-fixture-broken"].error
    assert plugins["ganzoo-fixture-misspelt"].status == "error"
    assert "'ganzoo_register_model'" in plugins["ganzoo-fixture-misspelt"].error
    assert "Did you mean 'ganzoo_register_models'" in plugins["ganzoo-fixture-misspelt"].error
    assert plugins["ganzoo-fixture-badspec"].status == "error"
    assert "ModelSpec" in plugins["ganzoo-fixture-badspec"].error
    # one warning per broken plugin, each naming it
    assert sorted(str(w.message).split("'")[1] for w in caught) == [
        "ganzoo-fixture-badspec", "ganzoo-fixture-broken", "ganzoo-fixture-misspelt"]
    # the bad plugin's valid first registration was rolled back, not half-applied
    assert [m.name for m in host.registry.list_models()] == ["toygan"]


def test_a_failed_plugin_receives_no_trainer_hooks(fixture_site, only_fixture_plugins) -> None:
    fixture_site("ganzoo-fixture-badspec")
    with pytest.warns(PluginWarning):
        host = PluginHost()
    names = [name for name, _ in host.pm.list_name_plugin()]
    assert names and not any(n.startswith("ganzoo-fixture-badspec") for n in names)  # unregistered entirely


def test_strict_mode_reraises_with_the_plugin_named(fixture_site, only_fixture_plugins, monkeypatch) -> None:
    fixture_site("ganzoo-fixture-broken")
    monkeypatch.setenv("GANZOO_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match="ganzoo-fixture-broken") as err:
        PluginHost()
    assert isinstance(err.value.__cause__, ImportError)


def test_two_distributions_claiming_one_name_are_both_kept(fixture_site, only_fixture_plugins) -> None:
    fixture_site("ganzoo-fixture-twin-a", "ganzoo-fixture-twin-b")
    host = PluginHost()
    with pytest.raises(AmbiguousNameError, match="ganzoo-fixture-twin-a:twin, ganzoo-fixture-twin-b:twin"):
        host.registry.get_model("twin")
    assert host.registry.get_model("ganzoo-fixture-twin-b:twin").summary == "twin from plugin b"


@pytest.mark.parametrize("selector", ["ganzoo-fixture-twin-a", "twin-a", "GANZOO_FIXTURE_TWIN_A"])
def test_disable_plugins_by_distribution_or_entry_point_name(fixture_site, only_fixture_plugins, monkeypatch, selector) -> None:
    fixture_site("ganzoo-fixture-twin-a", "ganzoo-fixture-twin-b")
    monkeypatch.setenv("GANZOO_DISABLE_PLUGINS", selector)
    host = PluginHost()
    assert by_name(host)["ganzoo-fixture-twin-a"].status == "disabled"
    assert host.registry.get_model("twin").plugin == "ganzoo-fixture-twin-b"  # no longer ambiguous


def test_load_plugins_empty_means_only_builtins(fixture_site, monkeypatch) -> None:
    fixture_site("ganzoo-fixture-good")
    monkeypatch.setenv("GANZOO_LOAD_PLUGINS", "")
    host = PluginHost()
    assert by_name(host)["ganzoo-fixture-good"].status == "disabled"
    assert all(p.source == "builtin" for p in host.plugins if p.status == "ok")
    assert not host.registry.list_models()


def test_load_plugins_selects_by_name(fixture_site, monkeypatch) -> None:
    fixture_site("ganzoo-fixture-good", "ganzoo-fixture-broken")
    monkeypatch.setenv("GANZOO_LOAD_PLUGINS", "good")  # the broken one is never imported
    host = PluginHost()
    assert by_name(host)["ganzoo-fixture-broken"].status == "disabled"
    assert [m.name for m in host.registry.list_models()] == ["toygan"]


def test_manual_registration_for_programmatic_use(fixture_site) -> None:
    fixture_site("ganzoo-fixture-twin-a")
    module = importlib.import_module("ganzoo_fixture_twin_a")
    host = PluginHost(entry_points=False, extra=[("my-plugin", module)])
    assert host.registry.get_model("twin").qualified_name == "my-plugin:twin"


# -- every hook in the contract, exercised through a real entry-point plugin ----------

@pytest.fixture
def good_host(fixture_site, only_fixture_plugins):
    """Only the fixture plugin (no built-in loggers), to see exactly what reaches it."""
    fixture_site("ganzoo-fixture-good")
    host = PluginHost(builtins=False)
    module = importlib.import_module("ganzoo_fixture_good")
    module.CALLS.clear()
    return host, module


def test_hook_ganzoo_register_models(good_host) -> None:
    host, _ = good_host
    assert host.registry.get_model("toygan").defaults == {"latent_dim": 2, "lr": 1e-3}


def test_hook_ganzoo_register_losses(good_host) -> None:
    host, _ = good_host
    assert host.registry.losses.get("toyloss").plugin == "ganzoo-fixture-good"
    assert [loss.name for loss in host.registry.losses] == ["toyloss"]


def test_hook_ganzoo_register_datasets(good_host) -> None:
    host, _ = good_host
    assert host.registry.datasets.get("toyset").kind_of_data == "points-2d"


def test_hook_ganzoo_register_weights(good_host) -> None:
    host, _ = good_host
    assert host.registry.get_weights("toygan.ring").urls == ("fixture://toygan-ring",)


def test_hook_ganzoo_register_features(good_host) -> None:
    host, _ = good_host
    spec, argument = host.registry.get_features("toyfeat:conv3")
    assert (spec.plugin, argument) == ("ganzoo-fixture-good", "conv3")
    assert host.registry.get_features("toyfeat") == (spec, None)


def test_hook_ganzoo_evaluate(good_host) -> None:
    host, module = good_host
    host.hook.ganzoo_evaluate(run="RUN", step=5, results={"scores": {"fid": 1.0}})
    assert module.CALLS == [("evaluate", {"run": "RUN", "step": 5, "results": {"scores": {"fid": 1.0}}})]


def test_hook_ganzoo_fetch_weights(good_host, tmp_path: Path) -> None:
    host, _ = good_host
    target = tmp_path / "w.bin"
    assert host.hook.ganzoo_fetch_weights(url="fixture://toygan-ring", destination=str(target)) is True
    assert target.read_bytes() == b"toy!"
    # firstresult: a scheme no plugin knows yields None, so the core can say so
    assert host.hook.ganzoo_fetch_weights(url="gopher://x", destination=str(target)) is None


def test_hook_ganzoo_train_start(good_host) -> None:
    host, module = good_host
    host.hook.ganzoo_train_start(run="RUN")
    assert module.CALLS == [("train_start", {"run": "RUN"})]


def test_hook_ganzoo_train_step_end(good_host) -> None:
    host, module = good_host
    host.hook.ganzoo_train_step_end(run="RUN", step=7, metrics={"loss_G": 0.5})
    assert module.CALLS == [("train_step_end", {"run": "RUN", "step": 7, "metrics": {"loss_G": 0.5}})]


def test_hook_ganzoo_sample(good_host) -> None:
    host, module = good_host
    host.hook.ganzoo_sample(run="RUN", step=3, path="grid.png")
    assert module.CALLS == [("sample", {"run": "RUN", "step": 3, "path": "grid.png"})]


def test_hook_ganzoo_checkpoint(good_host) -> None:
    host, module = good_host
    host.hook.ganzoo_checkpoint(run="RUN", step=3, path="ckpt")
    assert module.CALLS == [("checkpoint", {"run": "RUN", "step": 3, "path": "ckpt"})]


def test_hook_ganzoo_train_end(good_host) -> None:
    host, module = good_host
    host.hook.ganzoo_train_end(run="RUN", summary={"steps": 10})
    assert module.CALLS == [("train_end", {"run": "RUN", "summary": {"steps": 10}})]
