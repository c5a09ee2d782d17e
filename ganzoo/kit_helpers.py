"""The helpers of ``ganzoo.testing`` for a plugin's own tests, and the parts the conformance
kit runs its checks with. Import them from ``ganzoo.testing``: this module is internal.

Pytest imports the kit (and so this module) at start-up wherever ganzoo is installed, so
nothing here imports torch at module level: each helper imports what it needs when called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ganzoo.host import get_host
from ganzoo.io.download import ChecksumError
from ganzoo.registry import ModelSpec, WeightsSpec

# lazy-module: pytest imports this module at start-up, so every helper imports torch and the
# parts of ganzoo it needs when it is called

if TYPE_CHECKING:
    import torch

    from ganzoo.artifacts.loading import LoadedModel
    from ganzoo.metrics.translation import TranslationScores
    from ganzoo.nn import DataInfo, GanModel, StepContext
    from ganzoo.training.run import Run

__all__ = [
    "ChecksumError",
    "assert_metrics_reproduce",
    "build_model",
    "call_hook",
    "check_push_url",
    "classifier_features",
    "classify",
    "download",
    "fixed_run",
    "frechet_distance",
    "judge_translation",
    "load_checkpoint",
    "load_model",
    "real_images",
    "shipped_weights",
    "step_context",
]


# -- models, runs and checkpoints -------------------------------------------------------------
def model_spec(model: str | ModelSpec) -> ModelSpec:
    """The spec of ``model`` (a spec, or a bare or qualified name)."""
    return model if isinstance(model, ModelSpec) else get_host().registry.get_model(model)


def build_model(model: str | ModelSpec, config: Mapping[str, Any] | None, data: DataInfo,
                **settings: Any) -> GanModel:
    """``model``'s ``GanModel`` as the Trainer and loading build it (the spec's builder,
    its result checked), for the data ``data`` describes (a ``ganzoo.plugin.DataInfo``).

    ``config``: the settings the builder gets (``None``: the model's defaults; a loaded
    model's ``meta["config"]`` rebuilds that run's nets); ``settings`` go on top. Seed torch
    first (``torch.manual_seed``) for the initial weights a run of that seed had."""
    from ganzoo.nn.build import build_model as build

    spec = model_spec(model)
    if config is None:  # a spec's "data" default names its dataset, not a setting
        config = {k: v for k, v in spec.defaults.items() if k != "data"}
    # a config saved before a setting existed gets its legacy value, as a loaded run's does
    return build(spec, {**spec.with_legacy(config), **settings}, data)


def step_context(step: int = 0, next_batch: Callable[[], Any] | None = None) -> StepContext:
    """The ``StepContext`` a Trainer hands ``train_step`` at ``step``, on the CPU in fp32 with
    no gradient scaler and no augmentation; ``next_batch`` gives the step more real batches."""
    import contextlib

    import torch

    from ganzoo.nn import StepContext

    return StepContext(step=step, device=torch.device("cpu"), autocast=contextlib.nullcontext, scaler=None,
                       next_batch=next_batch or (lambda: None))


def load_model(source: str | Path, use_ema: bool = True) -> LoadedModel:
    """A trained model rebuilt from a run folder, a checkpoint, a weights file or a pretrained
    name (``dcgan.shapes``): ``.model`` (the ``GanModel``), ``.nets`` (its nets by name, in
    eval mode, EMA weights where the run kept them unless ``use_ema=False``), ``.meta`` (the
    model, its ``config``, its data; a weights file's ``tag`` too) and ``.data_info``.
    ``ganzoo.sample``, ``ganzoo.translate`` and ``ganzoo.mix`` take it as their source."""
    from ganzoo.artifacts.loading import load_model as load

    return load(source, use_ema=use_ema)


def load_checkpoint(source: str | Path) -> dict[str, Any]:
    """A checkpoint's contents: ``source`` is a checkpoint file or a run folder (its
    ``checkpoints/last.pt``). Keys include ``step``, ``nets`` (net name -> state dict),
    ``ema``, ``optimizers``, ``extra`` (what a model keeps beside its nets, such as image
    pools), ``stream`` (the data stream's position: ``batch``, the batches drawn) and ``meta``."""
    from ganzoo.artifacts import checkpoint
    from ganzoo.artifacts.loading import checkpoint_path

    return checkpoint.load(checkpoint_path(source))


def fixed_run(model: str, data: str | Path, out: str | Path, steps: int, **settings: Any) -> Run:
    """Train ``model`` on ``data`` for ``steps`` as a learning check should: in fp32 on one
    thread (so every CPU kind follows the same arithmetic), quietly, with no sample grids or
    checkpoints before the end; ``settings`` as ``ganzoo.train`` takes them, over those."""
    import ganzoo

    fixed = {"precision": "fp32", "threads": 1, "quiet": True, "sample_every": 10**6, "checkpoint_every": 10**6}
    return ganzoo.train(model, data, out=out, steps=steps, **{**fixed, **settings})


# -- pretrained weights -------------------------------------------------------------------------
def shipped_weights(model: str) -> list[tuple[WeightsSpec, Path]]:
    """Every weights entry of ``model`` with its packaged file, after checking that the file
    exists and that its size and sha256 are the ones the entry declares."""
    from ganzoo.io.download import local_path, sha256_of

    registry = get_host().registry
    found = []
    for spec in registry.weights_for(registry.get_model(model)):
        url = next((u for u in spec.urls if u.startswith("package://")), None)
        assert url is not None, f"{spec.name}: no package:// URL, so it does not work offline after installation"
        path = local_path(url)
        assert path.is_file(), f"{spec.name}: {path} is not in the installed distribution (package data?)"
        assert path.stat().st_size == spec.size, f"{spec.name}: size {path.stat().st_size} != declared {spec.size}"
        assert sha256_of(path) == spec.sha256, f"{spec.name}: sha256 differs from its entry"
        found.append((spec, path))
    assert found, f"model {model!r} ships no pretrained weights"
    return found


def assert_metrics_reproduce(spec: WeightsSpec, rel: float = 0.1, abs_tol: float = 0.01) -> dict[str, Any]:
    """Score the pretrained ``spec`` as its entry was scored (``ganzoo eval``'s defaults) and
    check that the figures it advertises come out again, within ``rel`` of the claim plus
    ``abs_tol``; returns the fresh scores.

    Why not exactly: the judges (the built-in classifier features) are trained on first use
    on each machine, and CPUs with other instruction sets (AVX2 against AVX-512) train them
    to slightly other weights. Measured on the official weights, a machine without AVX-512
    re-scored the figures made on one with it to within 0.7 % (FID) and 9 % (a 200-image
    share: 0.155 against 0.17); on the machine that wrote them they reproduce to 1e-3. The
    tolerance still catches a figure that was not measured on the file (off by far more)."""
    from ganzoo.services.evaluation import evaluate

    scores = evaluate(spec.name)["scores"]
    for key, claimed in spec.metrics.items():
        got = scores[key]
        assert abs(got - claimed) <= rel * abs(claimed) + abs_tol, (
            f"{spec.name}: {key} is {got}, the entry says {claimed} (tolerance {rel:.0%} + {abs_tol})")
    return scores


# -- judging images -------------------------------------------------------------------------------
def classify(images: torch.Tensor, dataset: str = "digits") -> torch.Tensor:
    """The class ganzoo's small classifier for the labelled built-in ``dataset`` (trained once
    per machine, then cached) gives each of ``images`` ((N, C, H, W) in [-1, 1]): N class
    indices, in the order of the dataset's class names."""
    from ganzoo.metrics.classifier import get_classifier

    net = get_classifier(dataset, image_size=int(images.shape[-1]), channels=int(images.shape[1]))
    return net.predict(images)


def real_images(dataset: str, n: int, split: str = "train") -> torch.Tensor:
    """The first ``n`` images of a split (``train`` or ``test``) of the built-in ``dataset``
    at its own size, in [-1, 1] (labels dropped)."""
    import torch

    from ganzoo.data import load

    part = getattr(load(dataset), split)
    out = part.batch(torch.arange(min(n, len(part))))
    return out[0] if isinstance(out, tuple) else out


def classifier_features(images: torch.Tensor, dataset: str = "shapes") -> torch.Tensor:
    """The features of ``images`` in ganzoo's classifier for the labelled built-in ``dataset``
    (``ganzoo eval --features classifier``, what its ``fid`` compares): one row per image."""
    from ganzoo.data import load
    from ganzoo.metrics.features import get_extractor

    return get_extractor("classifier", load(dataset))(images)


_REFERENCES: dict[tuple[str, int], Any] = {}


def frechet_distance(images: torch.Tensor, dataset: str = "shapes", real: int = 10_000) -> float:
    """The Fréchet distance, in ``classifier_features``, from the first ``real`` training images
    of ``dataset`` (the reference ``ganzoo eval`` scores ``fid`` against) to ``images``.
    ``frechet_distance(real_images(d, 2_000, "test"), d)`` is the real-vs-real distance a
    model's figure compares with."""
    from ganzoo.metrics.scores import fid

    key = (dataset, real)
    if key not in _REFERENCES:  # the reference's features, once per test session
        _REFERENCES[key] = classifier_features(real_images(dataset, real), dataset)
    return fid(_REFERENCES[key], classifier_features(images, dataset))


def judge_translation(source: str | Path, dataset: str = "sketches2photos", count: int = 200) -> TranslationScores:
    """How an image-to-image model (a run folder, checkpoint or pretrained name) translates the
    unpaired built-in ``dataset``, at the model's image size, judged as ``ganzoo eval`` judges
    it: ganzoo's judge of real A, real B and neither (trained once per machine, then cached)
    classifies the translations, the Fréchet distances in its features compare them with the
    target domain (``fd_a2b``, ``fd_b2a``, and ``fd_*_rel`` over the distance between the real
    domains), and ``cycle_l1_*`` measure the round trips; up to ``count`` images per domain."""
    from ganzoo.artifacts.loading import translate
    from ganzoo.data import load
    from ganzoo.metrics.translation import domain_classifier, translation_scores

    loaded = load_model(source)
    data = load(dataset, image_size=loaded.data_info.image_size)
    return translation_scores(lambda x, d: translate(loaded, x, d), data, domain_classifier(data), count=count)


# -- transport plugins: downloads, pushes and hooks -------------------------------------------
def download(urls: str | Sequence[str], destination: str | Path, sha256: str) -> Path:
    """Fetch the first of ``urls`` that yields the file whose sha256 is ``sha256`` to
    ``destination``, as ganzoo fetches weights: schemes it does not know go to the installed
    plugins' ``ganzoo_fetch_weights``; nothing unverified is left behind. Raises
    ``DownloadError`` (``ganzoo.plugin``), or ``ChecksumError`` (one) for a file that differs."""
    from ganzoo.io.download import fetch

    return fetch([urls] if isinstance(urls, str) else list(urls), destination, sha256=sha256, host=get_host())


def check_push_url(url: str) -> str:
    """The check ``ganzoo export --push URL`` makes before any work: the installed plugins'
    ``ganzoo_push_accepts`` (a malformed URL raises ``PushError``), and a ``PushError`` when no
    installed plugin pushes to the URL's scheme. Returns the scheme."""
    from ganzoo.services.publish import check_url

    return check_url(url, get_host())


def call_hook(name: str, **arguments: Any) -> Any:
    """Call hook ``name`` over the installed plugins as the core calls it (keyword arguments
    only; a ``firstresult`` hook returns the first answer that is not ``None``)."""
    return getattr(get_host().hook, name)(**arguments)
