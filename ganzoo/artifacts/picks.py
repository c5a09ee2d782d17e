"""What a sampler is asked to draw: class labels for a conditional model (``--labels``,
``--per-label``), or values of a categorical code for a model that reads one from its
latent (``--code``, ``--per-code``; InfoGAN's, such as DCGAN's). Both are lists of
numbers cycled to fill ``n``, or each repeated K times in a row, which makes a grid of
one row per value."""

from __future__ import annotations

from typing import NamedTuple

import torch

from ganzoo.errors import GanzooError


class Pick(NamedTuple):
    option: str  # the CLI option that lists values
    per_option: str  # the one that asks for K of each
    plural: str  # what the values are called
    range_noun: str  # what the model has: "classes 0..9"
    absent: str  # the one line for a model without any


LABELS = Pick("--labels", "--per-label", "labels", "classes",
              "this model is unconditional: it takes no --labels or --per-label.")
CODES = Pick("--code", "--per-code", "codes", "codes",
             "this model has no categorical code: it takes no --code or --per-code "
             "(a model with one reads it from its latent, as DCGAN's `codes` setting does).")


def parse_picks(text: str | None, n: int, count: int, per: int | None, pick: Pick) -> torch.Tensor | None:
    """``--labels 3,3,7`` or ``--code 2``: cycled to fill ``n``; with ``per`` K, each value K
    times in a row instead (every value when none are given), so ``n`` is ``len(values) * K``.
    ``count`` is how many values the model has (0: none)."""
    if not text and per is None:
        return None
    if not count:
        raise GanzooError(pick.absent)
    try:
        values = [int(x) for x in (text or "").split(",") if x.strip()]
    except ValueError as exc:
        raise GanzooError(f"{pick.option} takes comma-separated numbers, got {text!r}.") from exc
    if not values and per is None:
        return None
    return expand_picks(values or list(range(count)), n, count, per, pick)


def expand_picks(values: torch.Tensor | list[int], n: int, count: int, per: int | None = None,
                 pick: Pick = LABELS) -> torch.Tensor:
    """Values for ``n`` samples: ``values`` cycled, or each repeated ``per`` times (then n is ignored)."""
    values_t = torch.as_tensor(values).long().flatten()
    bad = [x for x in values_t.tolist() if not 0 <= x < count]
    if bad:
        raise GanzooError(f"{pick.plural} {bad} are out of range: this model has {pick.range_noun} 0..{count - 1}.")
    if per is not None:
        if per < 1:
            raise GanzooError(f"{pick.per_option} must be a positive number of images, not {per}.")
        return values_t.repeat_interleave(per)
    return values_t[torch.arange(n) % len(values_t)]
