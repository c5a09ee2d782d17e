"""Learning judges for tests: does a model draw what it was trained on? Public through
``ganzoo.testing`` for plugin authors' own learning checks. Imports nothing heavy at
module level, since pytest loads the conformance kit (and so this module) at start-up."""

from __future__ import annotations

from typing import Any

#: the classifier's confidence above which a sample counts as recognised
RECOGNISED_AT = 0.9


def judge_images(samples: Any, dataset: str = "digits", n_real: int | None = None) -> dict[str, float]:
    """How much generated images look like a labelled built-in dataset, judged by ganzoo's
    small classifier for it (trained once per machine, then cached): ``fd`` (the Fréchet
    distance in its features to the test split), ``fd_ratio`` (``fd`` over the distance
    from the train split to the test split, so 1 is as good as real), ``recognised`` (the
    share of samples it gives one class with confidence >= 0.9) and ``classes`` (classes
    with at least 3 % of the samples among the recognised). For a learning check: a model
    that no longer learns stays far from 1 and is rarely recognised. The classifier has no
    "none of these" answer, so early smudges can be recognised as often as a finished
    model's samples: bound ``recognised`` beside ``fd_ratio``, never alone."""
    import torch  # lazy: the conformance kit imports this module at pytest start-up

    from ganzoo.data import load  # lazy: as torch
    from ganzoo.metrics.classifier import get_classifier  # lazy: as torch
    from ganzoo.metrics.scores import fid  # lazy: as torch

    size, channels = int(samples.shape[-1]), int(samples.shape[1])
    data = load(dataset, image_size=size, channels=channels)
    net = get_classifier(dataset, image_size=size, channels=channels)
    count = min(len(data.test), n_real or len(data.test))
    test = data.test.batch(torch.arange(count))[0]
    train = data.train.batch(torch.arange(count))[0]
    with torch.no_grad():
        real = net.embed(test)
        real_vs_real = fid(real, net.embed(train))
        distance = fid(real, net.embed(samples))
        probs = torch.cat([torch.softmax(net(samples[i : i + 500]), 1) for i in range(0, len(samples), 500)])
    confidence, predicted = probs.max(1)
    sure = confidence >= RECOGNISED_AT
    shares = torch.bincount(predicted[sure], minlength=probs.shape[1]).float() / len(samples)
    return {"fd": distance, "fd_ratio": distance / real_vs_real, "recognised": float(sure.float().mean()),
            "classes": int((shares >= 0.03).sum())}


def read_shapes(samples: Any) -> dict[str, float]:
    """How many generated ``shapes`` images a person would name, judged by a reader that may
    answer "none of these" (``ganzoo.metrics.shape_reader``; trained once per image size in several
    minutes, then cached): ``named`` (the share it names as one of the six shapes), ``none``
    (the rest) and ``classes`` (shapes named in at least 3 % of the samples). Unlike
    ``judge_images``' ``recognised`` it does not name smudges and blobs: bound ``named`` alone
    if need be. Images as ``shapes`` gives them, (N, 3, S, S) in [-1, 1]."""
    from ganzoo.metrics.shape_reader import read  # lazy: as torch

    return read(samples)


def judge_points(points: Any, dataset: str = "ring") -> Any:
    """Mode coverage of 2D samples on a built-in points set (``ring`` or ``grid``): modes
    covered and the share of samples within 3 standard deviations of a mode."""
    from ganzoo.data import load  # lazy: as torch
    from ganzoo.metrics.modes import mode_coverage  # lazy: as torch

    data = load(dataset)
    return mode_coverage(points, data.info["centres"], data.info["std"])
