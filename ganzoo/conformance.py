"""The conformance kit's checks: ``PluginConformance`` and ``conformance_for``. Import them
from ``ganzoo.testing`` (the pytest plugin that parametrises them): this module is internal.

Pytest imports the kit (and so this module) at start-up, so it imports no torch itself:
the checks import what they need when they run.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ganzoo.host import get_host
from ganzoo.kit_helpers import build_model, load_checkpoint, load_model, shipped_weights, step_context
from ganzoo.registry import ModelSpec, load_builder

# lazy-module: pytest imports this module at start-up, so every check imports torch and the
# parts of ganzoo it needs when it runs

__all__ = ["PluginConformance", "conformance_for", "tiny_settings"]

#: the built-in set each data kind trains on in the kit (all offline and small)
TINY_DATA = {"points-2d": "ring", "images": "digits", "labelled-images": "digits", "unpaired-images": "sketches2photos"}
#: what every kit run overrides: a few steps on the CPU in fp32, a checkpoint at the end
RUN_SETTINGS = {"device": "cpu", "precision": "fp32", "sample_every": 2, "checkpoint_every": 2, "log_every": 1,
                "sample_count": 4, "num_workers": 0, "keep_checkpoints": 3}
#: settings the kit shrinks, to at most these values, in a model that names no tiny settings:
#: the widths, depths and sizes of nets and images that the official families use
SHRINK = {"width": 8, "max_width": 16, "hidden": 16, "latent_dim": 16, "embed_dim": 8, "ngf": 4, "ndf": 4,
          "n_blocks": 1, "layers": 1, "mapping_layers": 2, "pool_size": 2, "image_size": 32}
#: the attributes ``conformance_for`` may set
TUNABLE = ("tiny", "data", "batch_size", "steps")
N = 4  # samples per forward check


def tiny_settings(spec: ModelSpec) -> dict[str, Any]:
    """The settings that make ``spec``'s model small for the kit, when its test names none:
    the spec's preset ``tiny`` if it has one, else each ``SHRINK`` setting among its defaults
    cut down to the value there (a whole number is never raised)."""
    if "tiny" in spec.presets:
        return dict(spec.presets["tiny"])
    return {key: min(value, SHRINK[key]) for key, value in spec.defaults.items()
            if key in SHRINK and isinstance(value, int) and not isinstance(value, bool)}


def conformance_for(distribution: str | None = None, **attributes: Any) -> type[PluginConformance]:
    """The kit's test class for ``distribution`` (as ``ganzoo plugins`` names it); bound to a
    name pytest collects, it runs every check for each model the distribution registers:

        TestConformance = conformance_for("ganzoo-mygan")

    Without a name, the distribution is the one whose ``pyproject.toml`` is in a folder above
    the calling test file. ``attributes`` set what a subclass of ``PluginConformance`` would:
    ``tiny``, ``data``, ``batch_size``, ``steps``."""
    unknown = sorted(set(attributes) - set(TUNABLE))
    if unknown:
        raise TypeError(f"conformance_for() sets {', '.join(TUNABLE)}, not {', '.join(unknown)}")
    caller = sys._getframe(1).f_globals
    if distribution is None:
        distribution = _distribution_above(caller.get("__file__"))
    return type("TestConformance", (PluginConformance,),
                {"distribution": distribution, "__module__": caller.get("__name__", __name__),
                 "__doc__": f"ganzoo's conformance kit over every model of {distribution}.", **attributes})


def _distribution_above(file: str | None) -> str:
    """The ``[project] name`` of the nearest ``pyproject.toml`` above ``file``."""
    if sys.version_info >= (3, 11):
        import tomllib  # lazy: only a test that leaves out the distribution's name reads its pyproject.toml
    else:
        import tomli as tomllib  # lazy: as tomllib (Python 3.10)

    for folder in Path(file or ".").resolve().parents:
        if (folder / "pyproject.toml").is_file():
            name = tomllib.loads((folder / "pyproject.toml").read_text()).get("project", {}).get("name")
            if name:
                return str(name)
    raise ValueError(f"no pyproject.toml with a [project] name above {file}: "
                     "name the distribution, conformance_for(\"ganzoo-mygan\")")


class PluginConformance:
    """Subclass as ``Test...`` and set ``distribution`` (or let ``conformance_for`` make the
    class); pytest then runs every check below for each model the distribution registers.
    Class attributes tune the kit:

    - ``distribution``: the distribution name, as ``ganzoo plugins`` shows it (``ganzoo-mygan``);
    - ``tiny``: model name -> settings that make it small (widths, image size), merged over
      its defaults for every check; a model left out gets ``tiny_settings``: its spec's
      ``tiny`` preset, else its net and image sizes cut down;
    - ``data``: data kind -> the dataset the kit trains that kind on (``TINY_DATA`` by default);
    - ``batch_size``: of the kit's training runs (8); they take 3 steps, with a checkpoint at step 2.
    """

    distribution: ClassVar[str] = ""
    tiny: ClassVar[dict[str, dict[str, Any]]] = {}
    data: ClassVar[dict[str, str]] = {}
    batch_size: ClassVar[int] = 8
    steps: ClassVar[int] = 3
    _runs: ClassVar[dict[tuple[str, str], Path]] = {}

    # -- what the checks are about ------------------------------------------------------------
    @classmethod
    def models(cls) -> list[str]:
        return [m.name for m in get_host().registry.models if m.plugin == cls.distribution]

    @classmethod
    def kinds(cls, model: str) -> list[str]:
        return list(get_host().registry.get_model(f"{cls.distribution}:{model}").data_kinds)

    def spec(self, model: str | None) -> ModelSpec:
        host = get_host()
        info = next((p for p in host.plugins if p.name == self.distribution), None)
        assert info is not None, (f"{self.distribution!r} is not installed (no `ganzoo` entry point of that "
                                  "distribution): `pip install -e .` it first")
        assert info.status == "ok", f"{self.distribution} did not load: {info.error}\n{info.traceback}"
        assert model is not None, f"{self.distribution} registers no models"
        return host.registry.get_model(f"{self.distribution}:{model}")

    def settings(self, model: str, **more: Any) -> dict[str, Any]:
        """The model's tiny settings for a kit run (``more`` on top)."""
        tiny = self.tiny[model] if model in self.tiny else tiny_settings(self.spec(model))
        return {"batch_size": self.batch_size, "steps": self.steps, **RUN_SETTINGS, **tiny, **more}

    def config(self, spec: ModelSpec) -> dict[str, Any]:
        from ganzoo.training.config import resolve

        settings = self.settings(spec.name)
        return resolve(spec.defaults, {k: v for k, v in settings.items() if k != "steps"}, {"steps": self.steps})

    def dataset(self, kind: str) -> str:
        return {**TINY_DATA, **self.data}[kind]

    def build(self, spec: ModelSpec, kind: str) -> Any:
        """The model built for synthetic data of ``kind`` (3 channels, 3 classes where labelled)."""
        from ganzoo.nn import DataInfo

        config = self.config(spec)
        size = config.get("image_size") or 32
        info = (DataInfo("kit", kind) if kind == "points-2d" else
                DataInfo("kit", kind, size, 3, ("a", "b", "c") if kind == "labelled-images" else ()))
        return build_model(spec, config, info)

    @pytest.fixture(autouse=True)
    def _ganzoo_env(self, ganzoo_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Caches and fetched weights go to the session's own GANZOO_HOME; nothing is downloaded."""
        monkeypatch.setenv("GANZOO_HOME", str(ganzoo_home))
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def tiny_run(self, model: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
        """A run of 3 steps (checkpoints at 2 and 3) on the model's first data kind, made once per session."""
        import ganzoo

        key = (self.distribution, model)
        if key not in self._runs:
            spec = self.spec(model)
            out = tmp_path_factory.mktemp(f"kit-{model}")
            run = ganzoo.train(spec.qualified_name, self.dataset(spec.data_kinds[0]), out=out, quiet=True,
                               **self.settings(model))
            self._runs[key] = run.dir
        return self._runs[key]

    # -- the checks -----------------------------------------------------------------------------
    def test_plugin_loads_without_torch(self) -> None:
        """The distribution loads (with a supported plugin API) and its entry module imports no torch."""
        self.spec(self.models()[0] if self.models() else None)
        info = next(p for p in get_host().plugins if p.name == self.distribution)
        code = (f"import sys, importlib; importlib.import_module({info.module!r}); "
                "sys.exit('the entry module imports torch' if 'torch' in sys.modules else 0)")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{info.module}: {done.stderr or done.stdout}"

    def test_spec_is_valid_and_builder_imports(self, ganzoo_model: str | None) -> None:
        spec = self.spec(ganzoo_model)
        assert spec.data_kinds, f"{spec.name}: name the data kinds it trains on (data_kinds=...)"
        assert callable(load_builder(spec.builder)), f"{spec.builder} is not callable"
        self.config(spec)  # its defaults, and the kit's tiny settings, are valid settings

    def test_nets_subclass_the_abstracts(self, ganzoo_model: str | None) -> None:
        from torch import nn

        from ganzoo.nn import Discriminator, GanModel, Generator, ImageToImageGenerator, Net

        spec = self.spec(ganzoo_model)
        model = self.build(spec, spec.data_kinds[0])
        assert isinstance(model, GanModel)
        nets = model.nets()
        for name, net in nets.items():
            assert isinstance(net, Net), f"{name} is a {type(net).__name__}: subclass Generator, " \
                                         "ImageToImageGenerator or Discriminator from ganzoo.plugin"
        for name in model.sampler_names:
            assert isinstance(nets[name], (Generator, ImageToImageGenerator)), f"sampler {name} is not a generator"
        assert any(isinstance(n, Discriminator) for n in nets.values()), "no net subclasses Discriminator"
        for name, direction_net in model.directions.items():
            assert direction_net in model.sampler_names, f"direction {name} names {direction_net}, not a sampler"
        optimised = {id(p) for opt in model.build_optimizers().values() for group in opt.param_groups
                     for p in group["params"]}
        for name, net in nets.items():
            missed = [k for k, p in net.named_parameters() if p.requires_grad and id(p) not in optimised]
            assert not missed, f"{name}'s parameters {missed[:3]} are in no optimiser"
        assert all(isinstance(n, nn.Module) for n in nets.values())

    def test_forward_shapes(self, ganzoo_model: str | None, ganzoo_kind: str | None) -> None:
        import torch

        from ganzoo.nn import Discriminator
        from ganzoo.nn.layers import sample_shape

        spec = self.spec(ganzoo_model)
        model = self.build(spec, ganzoo_kind)
        nets = {name: net.eval() for name, net in model.nets().items()}
        shape = sample_shape(model.data)
        x = torch.rand(N, *shape) * 2 - 1
        labels = torch.arange(N) % 3 if model.data.num_classes else None
        with torch.no_grad():
            if model.directions:
                for direction in model.directions:
                    y = model.translate(x, direction, nets)
                    assert y.shape == x.shape, f"{direction}: {tuple(y.shape)} from {tuple(x.shape)}"
            else:
                inputs = model.sample_inputs(N, torch.Generator().manual_seed(0))
                y = model.generate(inputs, nets)
                assert y.shape == (N, *shape), f"samples are {tuple(y.shape)}, expected {(N, *shape)}"
            assert torch.isfinite(y).all(), "non-finite samples"
            if len(shape) == 3:
                assert y.min() >= -1 - 1e-5 and y.max() <= 1 + 1e-5, "images must lie in [-1, 1] (tanh)"
            for name, net in nets.items():
                if isinstance(net, Discriminator):
                    scores = net(x, labels)
                    assert scores.dim() >= 1 and N % len(scores) == 0, f"{name}: scores {tuple(scores.shape)}"
                    assert torch.isfinite(scores).all(), f"{name}: non-finite scores"

    def test_train_step_returns_detached_scalars(self, ganzoo_model: str | None) -> None:
        import torch

        import ganzoo.data as gdata
        from ganzoo.nn import DataInfo

        spec = self.spec(ganzoo_model)
        config = self.config(spec)
        data = gdata.load(self.dataset(spec.data_kinds[0]), image_size=config.get("image_size"),
                          channels=config.get("channels"))
        model = build_model(spec, config, DataInfo.from_data(data))
        model.build_optimizers()
        generator = torch.Generator().manual_seed(0)
        batches = data.iter_batches(self.batch_size, generator)
        keys = None
        for step in range(2):
            figures = model.train_step(next(batches), step_context(step, lambda: next(batches)))
            assert isinstance(figures, dict) and figures, "train_step returns a dict of figures"
            for key, value in figures.items():
                assert isinstance(value, torch.Tensor), f"{key} is a {type(value).__name__}: return detached tensors"
                assert value.dim() == 0 and not value.requires_grad, f"{key}: a detached scalar tensor, please"
                assert torch.isfinite(value), f"{key} is {value}"
            assert keys in (None, set(figures)), "train_step's keys change from step to step"
            keys = set(figures)

    def test_a_few_steps_are_finite(self, ganzoo_model: str | None, tmp_path_factory: pytest.TempPathFactory) -> None:
        run = self.tiny_run(self.spec(ganzoo_model).name, tmp_path_factory)
        rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
        assert rows, "no metrics were logged"
        bad = [(r.get("step"), k, v) for r in rows for k, v in r.items()
               if isinstance(v, float) and not math.isfinite(v)]
        assert not bad, f"non-finite figures: {bad[:3]}"

    def test_checkpoint_round_trip_is_exact(self, ganzoo_model: str | None,
                                            tmp_path_factory: pytest.TempPathFactory) -> None:
        import torch

        import ganzoo

        spec = self.spec(ganzoo_model)
        run = self.tiny_run(spec.name, tmp_path_factory)
        saved = load_checkpoint(run)
        loaded = load_model(run, use_ema=False)
        for name, net in loaded.nets.items():
            for key, value in net.state_dict().items():
                assert torch.equal(value, saved["nets"][name][key]), f"{name}.{key} differs after loading"
        # resuming from the step-2 checkpoint gives exactly the weights the run ended with
        copy = _copy_run(run, tmp_path_factory.mktemp(f"kit-resume-{spec.name}") / "run")
        resumed = ganzoo.train(resume=copy / "checkpoints" / "step-000002.pt", quiet=True)
        assert resumed.step == saved["step"], f"the resumed run stopped at {resumed.step}, not {saved['step']}"
        again = load_checkpoint(resumed.dir)["nets"]
        for name, state in saved["nets"].items():
            for key, value in state.items():
                assert torch.equal(again[name][key], value), f"resumed {name}.{key} differs from the run's own"

    def test_samples_are_deterministic_by_seed(self, ganzoo_model: str | None,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
        import torch

        import ganzoo

        spec = self.spec(ganzoo_model)
        run = self.tiny_run(spec.name, tmp_path_factory)
        loaded = load_model(run)
        if loaded.model.directions:  # translation is a function of its input: the same images, the same output
            info = loaded.data_info
            images = torch.rand(2, info.channels, info.image_size, info.image_size,
                                generator=torch.Generator().manual_seed(0)) * 2 - 1
            assert torch.equal(ganzoo.translate(run, images), ganzoo.translate(run, images))
            return
        first, again, other = (ganzoo.sample(run, N, seed=s) for s in (0, 0, 1))
        assert torch.equal(first, again), "the same seed gave different samples"
        assert not torch.equal(first, other), "different seeds gave the same samples"
        from ganzoo.artifacts.loading import model_codes  # lazy: torch, as above

        codes = model_codes(loaded)
        if codes:  # a categorical code (plugin API 1.5): what `ganzoo sample --code` picks, G reads
            g = loaded.sampler
            z = g.sample_latent(4 * codes, generator=torch.Generator().manual_seed(0))
            code = torch.arange(codes).repeat(4)
            assert torch.equal(g.code_of(g.with_code(z, code)).cpu(), code), \
                "with_code(z, k) gave latents whose code_of is not k: override both or neither"
            assert torch.isfinite(ganzoo.sample(run, N, seed=0, code=codes - 1)).all()  # `ganzoo sample --code`

    def test_weights_verify_and_load(self, ganzoo_model: str | None) -> None:
        import torch

        import ganzoo

        spec = self.spec(ganzoo_model)
        entries = [w for w in get_host().registry.weights_for(spec)]
        if not entries:
            pytest.skip(f"{spec.name} ships no pretrained weights")
        for entry, _ in shipped_weights(spec.qualified_name):
            loaded = load_model(entry.qualified_name)
            assert loaded.meta["model"] == spec.name, f"{entry.name} holds weights of {loaded.meta['model']}"
            if not loaded.model.directions:
                assert torch.isfinite(ganzoo.sample(entry.qualified_name, 2, seed=0)).all()


def _copy_run(run: Path, to: Path) -> Path:
    """A copy of a run folder (a resume writes into the folder it continues)."""
    shutil.copytree(run, to)
    return to
