"""The shipped CGAN weights: intact, honest about their metrics, and they draw the asked digit."""

import torch

import ganzoo
from ganzoo.metrics.classifier import accuracy, get_classifier
from ganzoo.testing import assert_metrics_reproduce, shipped_weights


def test_digits_weights_draw_the_class_asked_for() -> None:
    (spec, _), = shipped_weights("cgan")
    scores = assert_metrics_reproduce(spec)
    assert scores["label_accuracy"] >= 0.80  # the family's learning bar
    labels = torch.tensor([3, 3, 7] * 100)
    assert accuracy(get_classifier("digits"), ganzoo.sample("cgan.digits", 300, labels=labels, seed=1), labels) >= 0.8
