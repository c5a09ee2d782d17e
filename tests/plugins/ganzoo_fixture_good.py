"""A well-behaved third-party plugin: registers one of each spec and records trainer hooks."""

from pathlib import Path

from ganzoo import hookimpl
from ganzoo.registry import DatasetSpec, FeatureSpec, LossSpec, ModelSpec, Paper, WeightsSpec

__version__ = "1.2.3"
CALLS: list[tuple[str, dict]] = []


@hookimpl
def ganzoo_register_models(register):
    register(
        ModelSpec(
            name="toygan",
            summary="A toy model proving the plugin path.",
            task="points-2d",
            builder="ganzoo_fixture_good:build",
            paper=Paper("Generative Adversarial Nets", 2014, "https://arxiv.org/abs/1406.2661", "Goodfellow et al."),
            data_kinds=("points-2d",),
            defaults={"latent_dim": 2, "lr": 1e-3},
        )
    )


@hookimpl
def ganzoo_register_losses(register):
    register(LossSpec(name="toyloss", summary="A toy loss.", builder="ganzoo_fixture_good:build"))


@hookimpl
def ganzoo_register_datasets(register):
    register(
        DatasetSpec(name="toyset", summary="A toy dataset.", kind_of_data="points-2d", builder="ganzoo_fixture_good:build", size=10)
    )


@hookimpl
def ganzoo_register_weights(register):
    register(
        WeightsSpec(model="toygan", tag="ring", urls=("fixture://toygan-ring",), sha256="0" * 64, size=4, dataset="ring", default=True)
    )


@hookimpl
def ganzoo_register_features(register):
    register(FeatureSpec(name="toyfeat", summary="A toy feature net.", builder="ganzoo_fixture_good:build",
                         argument=":<layer>"))


@hookimpl
def ganzoo_fetch_weights(url, destination):
    if not url.startswith("fixture://"):
        return None
    Path(destination).write_bytes(b"toy!")
    return True


@hookimpl
def ganzoo_train_start(run):
    CALLS.append(("train_start", {"run": run}))


@hookimpl
def ganzoo_train_step_end(run, step, metrics):
    CALLS.append(("train_step_end", {"run": run, "step": step, "metrics": metrics}))


@hookimpl
def ganzoo_sample(run, step, path):
    CALLS.append(("sample", {"run": run, "step": step, "path": path}))


@hookimpl
def ganzoo_checkpoint(run, step, path):
    CALLS.append(("checkpoint", {"run": run, "step": step, "path": path}))


@hookimpl
def ganzoo_evaluate(run, step, results):
    CALLS.append(("evaluate", {"run": run, "step": step, "results": results}))


@hookimpl
def ganzoo_train_end(run, summary):
    CALLS.append(("train_end", {"run": run, "summary": summary}))


def build(**kwargs):
    raise NotImplementedError("fixture plugins are never built")
