"""Choices that several commands offer alike, so that each command spells them the same way."""

from __future__ import annotations

import click

CHOICE_PRECISION = click.Choice(["auto", "fp32", "bf16", "fp16"])
CHOICE_DEVICE = click.Choice(["auto", "cpu", "cuda", "mps"])
