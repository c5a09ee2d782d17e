"""What a sampler is asked to draw: class labels for a conditional model (``--labels``,
``--per-label``), or values of a categorical code for a model that reads one from its
latent (``--code``, ``--per-code``; InfoGAN's, such as DCGAN's). Both are lists of
numbers cycled to fill ``n``, or each repeated K times in a row, which makes a grid of
one row per value."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from ganzoo.errors import GanzooError


class Pick(NamedTuple):
    option: str  # the CLI option that lists values
    per_option: str  # the one that asks for K of each
    plural: str  # what the values are called
    range_noun: str  # what the model has: "classes 0..9"
    absent: str  # the one line for a model without any


LABELS = Pick("--labels", "--per-label", "labels", "classes",
              "this model is unconditional: it takes no labels (--labels, --per-label).")
CODES = Pick("--code", "--per-code", "codes", "codes",
             "this model has no categorical code: it takes no code (--code, --per-code); a model with one "
             "reads it from its latent, as DCGAN's `codes` setting does.")


class Picks(NamedTuple):
    n: int  # how many samples
    labels: torch.Tensor | None  # each sample's label, or None
    codes: torch.Tensor | None  # each sample's code, or None
    rows: torch.Tensor | None  # the values whose runs make a grid's rows


def parse_numbers(text: str | None, pick: Pick) -> list[int] | None:
    """``--labels 3,3,7`` as [3, 3, 7]; None when not given."""
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()] or None
    except ValueError as exc:
        raise GanzooError(f"{pick.option} takes comma-separated numbers, got {text!r}.") from exc


def expand_picks(values: Any, n: int, count: int, per: int | None = None, pick: Pick = LABELS) -> torch.Tensor:
    """Values for ``n`` samples: ``values`` cycled, or each repeated ``per`` times (then n is ignored)."""
    values_t = torch.as_tensor(values).flatten()
    if values_t.numel() == 0:
        raise GanzooError(f"{pick.plural} must list at least one value ({pick.option} 0,1).")
    if values_t.is_floating_point() and not bool((values_t == values_t.round()).all()):
        raise GanzooError(f"{pick.plural} are whole numbers, not {values_t.tolist()}.")
    values_t = values_t.long()
    bad = [x for x in values_t.tolist() if not 0 <= x < count]
    if bad:
        raise GanzooError(f"{pick.plural} {bad} are out of range: this model has {pick.range_noun} 0..{count - 1}.")
    if per is not None:
        if per < 1:
            raise GanzooError(f"{pick.per_option} must be a positive number of images, not {per}.")
        return values_t.repeat_interleave(per)
    return values_t[torch.arange(n) % len(values_t)]


def plan_picks(n: int, classes: int, codes: int, labels: Any = None, per_label: int | None = None,
               code: Any = None, per_code: int | None = None) -> Picks:
    """How many samples, each one's label and code (None where not asked), and a grid's rows,
    for a model with ``classes`` conditional classes and ``codes`` code values (0: none)."""
    for values, per, count, pick in ((labels, per_label, classes, LABELS), (code, per_code, codes, CODES)):
        if (values is not None or per is not None) and not count:
            raise GanzooError(pick.absent)
    if per_label is not None and per_code is not None:
        raise GanzooError("give K of each label or K of each code, not both (--per-label, --per-code).")
    if per_label is not None:
        labels = expand_picks(list(range(classes)) if labels is None else labels, n, classes, per_label, LABELS)
        n = len(labels)
    if per_code is not None:
        code = expand_picks(list(range(codes)) if code is None else code, n, codes, per_code, CODES)
        n = len(code)
    labels_t = None if labels is None else expand_picks(labels, n, classes, None, LABELS)
    codes_t = None if code is None else expand_picks(code, n, codes, None, CODES)
    rows = codes_t if per_code is not None or (labels_t is None and codes_t is not None) else labels_t
    return Picks(n, labels_t, codes_t, rows)
