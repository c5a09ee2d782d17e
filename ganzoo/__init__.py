"""ganzoo: a plugin-based zoo of Generative Adversarial Networks.

The API is lazy: ``import ganzoo`` loads neither torch nor any plugin. Plugins are
discovered the first time something asks for the registry.
"""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
from typing import TYPE_CHECKING, Any

from ganzoo._version import __version__
from ganzoo.errors import (
    AmbiguousNameError,
    DataError,
    DatasetUnavailableError,
    GanzooError,
    IncompatibleDataError,
    PluginError,
    RegistrationError,
    UnknownDatasetError,
    UnknownLossError,
    UnknownModelError,
    UnknownNameError,
    UnknownWeightsError,
)
from ganzoo.hookspecs import hookimpl

if TYPE_CHECKING:
    from pathlib import Path

    import torch

    from ganzoo.registry import ModelSpec, Registry
    from ganzoo.services.styles import StyleMix
    from ganzoo.training.plan import RunPlan
    from ganzoo.training.run import Run

__all__ = [
    "AmbiguousNameError",
    "DataError",
    "DatasetUnavailableError",
    "GanzooError",
    "IncompatibleDataError",
    "PluginError",
    "RegistrationError",
    "UnknownDatasetError",
    "UnknownLossError",
    "UnknownModelError",
    "UnknownNameError",
    "UnknownWeightsError",
    "__version__",
    "evaluate",
    "get_spec",
    "hookimpl",
    "interpolate",
    "list_models",
    "load",
    "get_registry",
    "mix",
    "plan",
    "sample",
    "sample_grid",
    "train",
    "translate",
    "write_report",
]


def get_registry() -> Registry:
    """Everything the installed plugins registered (loads plugins on first call)."""
    from ganzoo.host import get_host

    return get_host().registry


def list_models(pattern: str | None = None, task: str | None = None) -> list[ModelSpec]:
    """Registered models, optionally filtered by an fnmatch pattern (``'*gan*'``) and task."""
    return get_registry().list_models(pattern, task)


def plan(model: str | None = None, data: str | Path | None = None, **kwargs: Any) -> RunPlan:
    """Resolve a run without starting it: the model, its config (``steps=500, lr=1e-4`` over its
    defaults), the data, and ``out``, ``resume``, ``config_file`` as ``train`` takes them. Every
    refusal a run can get before data is drawn is raised here; ``train(plan)`` executes it.
    ``world_size``: the processes that will train it (by default, those this one belongs to)."""
    from ganzoo.training.distributed import world_from_env
    from ganzoo.training.plan import plan_run

    options = {k: kwargs.pop(k) for k in ("out", "resume", "config_file", "world_size") if k in kwargs}
    return plan_run(model, data, settings=kwargs, resume=options.get("resume"), config_file=options.get("config_file"),
                    out=options.get("out") or "runs", world_size=options.get("world_size") or world_from_env().size,
                    registry=get_registry())


def train(model: str | RunPlan | None = None, data: str | Path | None = None, **kwargs: Any) -> Run:
    """Train ``model`` on ``data`` (dataset name or folder), or execute a ``RunPlan`` from ``plan``;
    keyword arguments override any setting (``steps=500, lr=1e-4``) or name ``out``, ``resume``,
    ``config_file``, ``quiet``.

    The run folder gets ``run.json`` (this call, as a command that repeats it, and how the run
    stopped); ``report=True`` also writes ``report.html`` when training stops, as ``ganzoo train``
    always does (off by default here: drawing it costs a second or two, which scripts and
    test suites that train many tiny runs would pay each time; ``ganzoo.write_report``
    writes it later)."""
    from ganzoo.services.live_eval import during_training
    from ganzoo.training.plan import RunPlan
    from ganzoo.training.run_record import RunRecord
    from ganzoo.training.trainer import train as execute

    report, record = kwargs.pop("report", False), kwargs.pop("record", None)
    if isinstance(model, RunPlan):
        quiet = kwargs.pop("quiet", False)
        if data is not None or kwargs:
            raise TypeError("train(plan) takes the plan's own settings; plan another run for others.")
        run_plan, record = model, record or RunRecord.from_plan(model)
    else:
        record = record or RunRecord.from_python(model, data, **kwargs)  # the call as written, quiet in its place
        quiet = kwargs.pop("quiet", False)
        run_plan = plan(model, data, **kwargs)
    if report and record.reporter is None:
        record.reporter = write_report
    return execute(run_plan, quiet=quiet, evaluator=during_training, record=record)


def load(source: str | Path, direction: str = "a2b") -> torch.nn.Module:
    """The trained generator of a run folder or checkpoint (EMA weights where kept)."""
    from ganzoo.artifacts.loading import load as _load

    return _load(source, direction)


def sample(source: str | Path, n: int = 64, labels: Any = None, seed: int = 0,
           truncation: float | None = None, per_label: int | None = None, code: Any = None,
           per_code: int | None = None) -> torch.Tensor:
    """``n`` samples (images in [-1, 1], or 2D points) from a run folder or checkpoint;
    ``per_label=K``: K samples of each of ``labels`` (every class by default), label by label.
    ``code`` (an int or a list, cycled) and ``per_code=K`` pick a categorical code alike, for
    models that read one from the latent (DCGAN's InfoGAN code)."""
    from ganzoo.artifacts.loading import sample as _sample

    return _sample(source, n, labels=labels, seed=seed, truncation=truncation, per_label=per_label,
                   code=code, per_code=per_code)


def sample_grid(source: str | Path, out: str | Path, n: int = 64, labels: Any = None, per_label: int | None = None,
                nrow: int | None = None, seed: int = 0, truncation: float | None = None, code: Any = None,
                per_code: int | None = None) -> Path:
    """Samples saved as a PNG grid (``ganzoo sample --out x.png``), ``nrow`` images per row; by
    default one row per class for a conditional model (``per_label`` per row), one per code
    with ``per_code``, else 8 per row."""
    from ganzoo.artifacts.loading import sample_grid as _sample_grid

    return _sample_grid(source, out, n, labels=labels, per_label=per_label, nrow=nrow, seed=seed,
                        truncation=truncation, code=code, per_code=per_code)


def mix(source: str | Path, rows: int = 4, cols: int = 6, crossover: int | None = None, seed: int = 0,
        truncation: float | None = None) -> StyleMix:
    """Style mixing for a style model (``ganzoo mix``): ``.cells[i, j]`` has the coarse
    styles of ``.rows[i]`` and the fine ones of ``.cols[j]``; ``.figure()`` lays them out."""
    from ganzoo.services.styles import mix as _mix

    return _mix(source, rows, cols, crossover, seed, truncation)


def interpolate(source: str | Path, frames: int = 60, n: int = 4, keys: int = 4, seed: int = 0,
                truncation: float | None = None) -> torch.Tensor:
    """A looping latent walk (``ganzoo interpolate``): (frames, n, C, H, W) images in [-1, 1];
    lerp in W for style models, slerp in z for other image models; ``ganzoo interpolate --out walk.gif``
    saves one as a GIF."""
    from ganzoo.services.styles import interpolate as _interpolate

    return _interpolate(source, frames, n, keys, seed, truncation)


def translate(source: str | Path, images: torch.Tensor, direction: str = "a2b") -> torch.Tensor:
    """Translate a batch of images in [-1, 1] (N, C, H, W) with an image-to-image run or checkpoint."""
    from ganzoo.artifacts.loading import translate as _translate

    return _translate(source, images, direction)


def evaluate(source: str | Path, data: str | Path | None = None, **kwargs: Any) -> dict[str, Any]:
    """Score a run or checkpoint: ``{"scores": {...}, "provenance": {...}}``.

    Keyword arguments: ``metrics``, ``features``, ``features_weights``, ``n``, ``seed``,
    ``split``, ``device``, ``out`` (a JSON file), as ``ganzoo eval``'s options (docs/evaluation.md).
    """
    from ganzoo.services.evaluation import evaluate as _evaluate

    return _evaluate(source, data, **kwargs)


def get_spec(name: str) -> ModelSpec:
    """A model's spec by bare (``dcgan``), qualified (``ganzoo-dcgan:dcgan``) or tagged name."""
    return get_registry().get_model(name)


def write_report(run_dir: str | Path) -> Path:
    """Write (or rewrite) ``report.html`` in a run folder, finished, stopped or killed
    (``ganzoo report``); returns its path."""
    from ganzoo.services.report import write_report as _write_report

    return _write_report(run_dir)
