"""Score a trained model against real data, and record how the score was made.

``evaluate(source, data=...)`` loads a run or checkpoint, draws samples (or
translates test images), and computes the metrics that suit the model's task:

==================  =========================================================
task                default metrics
==================  =========================================================
unconditional       fid, kid, precision-recall
conditional         fid, kid, precision-recall, label-accuracy
image-to-image      translation (+ fid/kid/precision-recall per direction)
points-2d           modes (VEEGAN: modes covered, high-quality share)
==================  =========================================================

``named`` (images of ``shapes`` only, asked for by name) is the share of samples the shapes
reader names one of the six shapes rather than none of them (``ganzoo.testing.read_shapes``):
unlike the Fréchet distance it moves with how precisely the outlines are drawn.

Every result carries its provenance: the feature extractor and its weights' hash,
input size and resizer, how many real and generated samples, dataset and split,
seed, model and checkpoint step. FID-style numbers are only comparable when all
of that matches, which is why it travels with them.

Real features are cached under ``GANZOO_HOME/cache`` by dataset, split, count and
extractor (weights hash included), so a second evaluation skips them. The
``Evaluator`` keeps them in memory too: the Trainer's ``--eval-every`` builds one
and scores the live run with it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

import ganzoo.data as gdata
from ganzoo._version import __version__
from ganzoo.artifacts.loading import LoadedModel, conditional_classes, load_model, sample, translate
from ganzoo.data.cache import cached_tensors
from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write
from ganzoo.host import get_host
from ganzoo.metrics import scores as sc
from ganzoo.metrics import shape_reader
from ganzoo.metrics.classifier import get_classifier
from ganzoo.metrics.features import get_extractor
from ganzoo.metrics.modes import mode_coverage
from ganzoo.metrics.translation import VERSION, domain_images, translation_scores
from ganzoo.paths import home, is_path

IMAGE_METRICS = ("fid", "kid", "precision-recall")
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "unconditional": IMAGE_METRICS,
    "conditional": (*IMAGE_METRICS, "label-accuracy"),
    "image-to-image": ("translation",),
    "points-2d": ("modes",),
}
METRICS = ("fid", "kid", "precision-recall", "label-accuracy", "translation", "modes", "named")
#: the data the ``named`` metric can read (the shapes reader knows these six shapes only)
NAMED_DATA = "shapes"
#: samples when -n is not given: 10k images (the common FID setting), 2,500 points (VEEGAN)
DEFAULT_IMAGES, DEFAULT_POINTS = 10_000, 2_500
KID_SUBSETS, KID_SUBSET_SIZE, PR_K = 100, 1_000, 3


def default_metrics(kind: str, task: str) -> tuple[str, ...]:
    if kind == "points-2d":
        return TASK_METRICS["points-2d"]
    if kind == "unpaired-images":
        return TASK_METRICS["image-to-image"]
    return TASK_METRICS["conditional" if task == "conditional" else "unconditional"]


def parse_metrics(text: str | Sequence[str] | None, kind: str, task: str) -> tuple[str, ...]:
    """Check a metric list against what this kind of model can be scored with."""
    if not text:
        return default_metrics(kind, task)
    names = [m.strip() for m in (text.split(",") if isinstance(text, str) else text) if m.strip()]
    unknown = [m for m in names if m not in METRICS]
    if unknown:
        raise GanzooError(f"unknown metric(s) {', '.join(unknown)}; choose from {', '.join(METRICS)}.")
    allowed = {"points-2d": ("modes",), "unpaired-images": (*IMAGE_METRICS, "translation")}.get(
        kind, (*IMAGE_METRICS, "label-accuracy", "named") if task == "conditional" else (*IMAGE_METRICS, "named"))
    wrong = [m for m in names if m not in allowed]
    if wrong:
        raise GanzooError(f"metric(s) {', '.join(wrong)} do not apply to a {task} model on {kind}; "
                          f"this one can be scored with {', '.join(allowed)}.")
    return tuple(dict.fromkeys(names))


def check_named(data_name: str, channels: int = 3) -> None:
    """Refuse the ``named`` metric, in one line, for data the shapes reader cannot read."""
    if data_name != NAMED_DATA or channels != 3:
        raise GanzooError(f"the named metric reads the six shapes of {NAMED_DATA!r} in colour; {data_name!r}"
                          f"{' in grey' if data_name == NAMED_DATA else ''} is not that: score it with fid, kid "
                          "or precision-recall.")


def real_images(dataset: Any, n: int) -> torch.Tensor:
    """The first ``n`` images of a split in [-1, 1] (labels, where the split has them, dropped)."""
    n = min(n, len(dataset))
    if hasattr(dataset, "images"):  # in memory: one indexed batch
        out = dataset.batch(torch.arange(n))
    else:
        out = torch.stack([item[0] if isinstance(item, tuple) else item for item in (dataset[i] for i in range(n))])
    return out[0] if isinstance(out, tuple) else out


class Evaluator:
    """Scores models of one kind against one dataset with fixed settings; real features are
    computed (or read from the cache) once."""

    def __init__(self, data: Any, kind: str, task: str, metrics: str | Sequence[str] | None = None,
                 features: str = "classifier", features_weights: str | None = None, n: int | None = None,
                 seed: int = 0, split: str = "train", cache: bool = True) -> None:
        self.data, self.kind, self.task = data, kind, task
        self.metrics = parse_metrics(metrics, kind, task)
        self.n = n or (DEFAULT_POINTS if kind == "points-2d" else DEFAULT_IMAGES)
        self.seed, self.split, self.cache = seed, split, cache
        self.features_name, self.features_weights = features, features_weights
        self._extractor: Any = None
        self._real: dict[str, tuple[torch.Tensor, bool]] = {}
        self._classifier: Any = None
        if split not in ("train", "test") or (split == "test" and data.test is None):
            raise GanzooError(f"dataset {data.name!r} has no {split!r} split; use --split train.")
        if "named" in self.metrics:
            check_named(data.name, data.channels)

    # -- pieces ------------------------------------------------------------------------------
    @property
    def needs_features(self) -> bool:
        return any(m in IMAGE_METRICS for m in self.metrics)

    @property
    def extractor(self) -> Any:
        if self._extractor is None:
            self._extractor = get_extractor(self.features_name, self.data, self.features_weights)
        return self._extractor

    def _real_features(self, domain: str, images_fn: Any) -> torch.Tensor:
        """Features of up to ``n`` real images of ``domain`` ('' for a single-domain set)."""
        if domain in self._real:
            return self._real[domain][0]
        ex, data = self.extractor, self.data
        key = (f"realfeat-{data.name}-{self.split}{('-' + domain) if domain else ''}-n{self.n}"
               f"-px{data.image_size}-c{data.channels}-{ex.name.replace(':', '_')}-{ex.weights_sha256[:16]}")

        cacheable = self.cache and self._cacheable()
        hit = cacheable and (home() / "cache" / f"{key}.safetensors").exists()
        if cacheable:
            feats = cached_tensors(key, lambda: {"features": ex(images_fn()).float()})["features"].double()
        else:
            feats = ex(images_fn())
        self._real[domain] = (feats, hit)
        return feats

    def _cacheable(self) -> bool:
        """Only registered datasets have a stable identity; a folder's content may change."""

        return "path" not in self.data.info and not is_path(self.data.name)

    def label_classifier(self) -> Any:
        if self._classifier is None:
            if self.data.kind != "labelled-images":
                raise GanzooError(f"label-accuracy needs a labelled built-in dataset; {self.data.name!r} is "
                                  f"{self.data.kind}.")
            self._classifier = get_classifier(self.data.name, self.data.image_size, self.data.channels)
        return self._classifier

    # -- scoring -----------------------------------------------------------------------------
    @torch.no_grad()
    def score(self, loaded: Any) -> dict[str, Any]:
        """Scores of a loaded model (``ganzoo.artifacts.loading.LoadedModel``) as a flat dict."""
        if self.kind == "points-2d":
            return self._score_points(loaded)
        if self.kind == "unpaired-images":
            return self._score_translation(loaded)
        return self._score_images(loaded)

    def _score_points(self, loaded: Any) -> dict[str, Any]:
        info = self.data.info
        if "centres" not in info:
            raise GanzooError(f"mode coverage needs a mixture with known centres (ring, grid); {self.data.name!r} "
                              "has none.")
        result = mode_coverage(sample(loaded, self.n, seed=self.seed), torch.as_tensor(info["centres"]), info["std"])
        return {"modes_covered": result.modes_covered, "modes_total": result.modes_total,
                "high_quality": result.high_quality, "per_mode": list(result.per_mode)}

    def _score_images(self, loaded: Any) -> dict[str, Any]:
        classes = conditional_classes(loaded)  # 0 for an unconditional model, even on labelled data
        labels = torch.arange(self.n) % classes if classes else None
        fake = sample(loaded, self.n, labels=labels, seed=self.seed)
        scores: dict[str, Any] = {}
        if self.needs_features:
            split = self.data.split(self.split)
            real = self._real_features("", lambda: real_images(split, self.n))
            scores.update(self._distances(real, self.extractor(fake), ""))
        if "label-accuracy" in self.metrics:
            predicted = self.label_classifier().predict(fake)
            scores["label_accuracy"] = float((predicted == labels).float().mean())
        if "named" in self.metrics:  # the reader is trained once per image size (minutes), then cached
            read = shape_reader.read(fake)
            scores["named"], scores["named_classes"] = read["named"], read["classes"]
        return scores

    def _score_translation(self, loaded: Any) -> dict[str, Any]:
        to_translate = self.data.test if self.data.test is not None else self.data.train
        scores: dict[str, Any] = {}
        if "translation" in self.metrics:
            scores.update(translation_scores(lambda x, d: translate(loaded, x, d), self.data,
                                             count=self.n).as_dict())
        if self.needs_features:
            a, b = domain_images(to_translate, limit=self.n)
            reference = functools.cache(lambda: domain_images(self.data.split(self.split), limit=self.n))
            real_a = self._real_features("a", lambda: reference()[0])  # built once, only if a domain is not cached
            real_b = self._real_features("b", lambda: reference()[1])
            scores.update(self._distances(real_b, self.extractor(translate(loaded, a, "a2b")), "_a2b"))
            scores.update(self._distances(real_a, self.extractor(translate(loaded, b, "b2a")), "_b2a"))
        return scores

    def _distances(self, real: torch.Tensor, fake: torch.Tensor, suffix: str) -> dict[str, float]:
        out: dict[str, float] = {}
        if len(real) < 2 or len(fake) < 2:
            raise GanzooError(f"FID-style scores need at least 2 real and 2 generated samples, got {len(real)} "
                              f"and {len(fake)}; raise -n.")
        if "fid" in self.metrics:
            out["fid" + suffix] = sc.fid(real, fake)
        if "kid" in self.metrics:
            mean, std = sc.kid(real, fake, KID_SUBSETS, KID_SUBSET_SIZE, self.seed)
            out["kid" + suffix], out["kid_std" + suffix] = mean, std
        if "precision-recall" in self.metrics:
            out["precision" + suffix], out["recall" + suffix] = sc.precision_recall(real, fake, PR_K)
        return out

    def result(self, loaded: Any, started: float | None = None) -> dict[str, Any]:
        """``{"scores": ..., "provenance": ...}`` for ``loaded``; ``seconds`` counts from ``started``
        (default: now, so only the scoring is timed)."""
        started = time.perf_counter() if started is None else started
        scores = self.score(loaded)
        return {"scores": scores,
                "provenance": {**self.provenance(loaded), "seconds": round(time.perf_counter() - started, 2)}}

    # -- provenance --------------------------------------------------------------------------
    def provenance(self, loaded: Any) -> dict[str, Any]:
        meta = loaded.meta
        real_counts = {d or "real": len(f) for d, (f, _) in self._real.items()}
        out: dict[str, Any] = {
            "ganzoo_version": __version__,
            "model": meta.get("model"), "plugin": meta.get("plugin"),
            "checkpoint": str(loaded.path) if loaded.path else None, "checkpoint_step": meta.get("step"),
            "sampling_weights": "ema" if loaded.ema else "live",
            "data": self.data.name, "split": self.split, "data_image_size": self.data.image_size,
            "data_channels": self.data.channels,
            "generated_samples": self.n if self.kind != "unpaired-images" else None,
            "real_samples": real_counts or None, "real_features_cached": {d or "real": c for d, (_, c) in self._real.items()} or None,
            "seed": self.seed, "metrics": list(self.metrics),
            "created": _dt.datetime.now().isoformat(timespec="seconds"),
        }
        if self.needs_features:
            out.update(self.extractor.provenance())
        if "kid" in self.metrics:
            out["kid"] = {"subsets": KID_SUBSETS, "subset_size": KID_SUBSET_SIZE, "kernel": "cubic polynomial"}
        if "precision-recall" in self.metrics:
            out["precision_recall_k"] = PR_K
        if "named" in self.metrics:
            out["named"] = {"judge": f"ganzoo shapes reader v{shape_reader.VERSION} (six shapes or none of "
                            "them; trained on the train split)", "classes_at": "shapes named in >= 3 % of samples"}
        if self.kind == "points-2d":
            out["modes"] = {"threshold_std": 3.0, "std": self.data.info.get("std")}
        if self.kind == "unpaired-images":
            # what was translated is the test split (train where there is none); --split only picks
            # the real reference of fid/kid/precision-recall, so "split" names the translated one
            translated = "test" if self.data.test is not None else "train"
            out["split"] = translated
            out["reference_split"] = self.split if self.needs_features else None
            if "translation" in self.metrics:
                split = self.data.split(translated)
                out["translation"] = {
                    "judge": f"ganzoo domain judge v{VERSION} (A / B / neither; trained on the train split)",
                    "images_per_domain": min(self.n, len(split.a), len(split.b)), "split": translated}
        elif self.needs_features or self.kind == "points-2d":
            out["reference_split"] = self.split
        return out


def evaluate(source: str | Path | Any, data: str | Path | None = None, metrics: str | Sequence[str] | None = None,
             features: str = "classifier", features_weights: str | None = None, n: int | None = None,
             seed: int = 0, split: str = "train", device: str = "cpu", out: str | Path | None = None,
             cache: bool = True) -> dict[str, Any]:
    """Score a run, checkpoint or loaded model; returns ``{"scores": ..., "provenance": ...}``.

    ``data`` defaults to the dataset the model was trained on. ``out`` also writes the
    result as JSON (atomically).
    """

    start = time.perf_counter()
    loaded = source if isinstance(source, LoadedModel) else load_model(source, device)
    info = loaded.data_info
    data_name = data or loaded.meta.get("data_source") or info.name
    dataset = gdata.load(data_name, image_size=info.image_size, channels=info.channels)
    images = ("images", "labelled-images")
    if dataset.kind != info.kind and not (dataset.kind in images and info.kind in images):
        raise GanzooError(f"the model was trained on {info.kind} and {str(data_name)!r} is {dataset.kind}: "
                          "score it against data of the same kind.")
    task = _task_of(loaded)
    evaluator = Evaluator(dataset, info.kind, task, metrics, features, features_weights, n, seed, split, cache)
    result = evaluator.result(loaded, started=start)
    if out is not None:
        write_json(result, Path(out))
    return result


def _task_of(loaded: Any) -> str:
    try:
        return get_host().registry.get_model(loaded.meta.get("qualified_name") or loaded.meta["model"]).task
    except GanzooError:
        return "unconditional"


def write_json(result: dict[str, Any], path: Path) -> None:
    def write(tmp: str) -> None:
        Path(tmp).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    atomic_write(path, write)
