"""The exact command ``ganzoo train`` was given, for the run's ``run.json``.

Click keeps no copy of the arguments it parsed, so the train command's class notes them
as it parses (``RecordingCommand``); the record is ``["ganzoo", "train", *those]``, the
same under ``ganzoo`` or ``python -m ganzoo`` and under click's test runner. Ranks that
``--nproc`` starts are given the arguments less ``--nproc``, so the launcher hands the
command the user typed down in the environment (``GANZOO_COMMAND``) and rank 0 records that.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from typing import Any

import click

COMMAND_ENV = "GANZOO_COMMAND"
_ARGS = "ganzoo.command_line.args"


class RecordingCommand(click.Command):
    """A click command that keeps the arguments it was given (``command_line``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_ARGS] = list(args)
        return super().parse_args(ctx, args)


def command_line(ctx: click.Context) -> list[str]:
    """``["ganzoo", "train", ...]`` as typed; in a rank of ``--nproc``, the launcher's command."""
    handed_down = os.environ.get(COMMAND_ENV) if "WORLD_SIZE" in os.environ else None
    if handed_down:
        try:
            command: Any = json.loads(handed_down)
        except ValueError:
            command = None
        if isinstance(command, list) and all(isinstance(a, str) for a in command):
            return command
    return ["ganzoo", ctx.info_name or "train", *ctx.meta.get(_ARGS, [])]


@contextlib.contextmanager
def handed_down(command: list[str]) -> Iterator[None]:
    """Let the ranks started inside this block record ``command`` (they inherit the
    environment); the environment is as it was afterwards."""
    previous = os.environ.get(COMMAND_ENV)
    os.environ[COMMAND_ENV] = json.dumps(command)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(COMMAND_ENV, None)
        else:
            os.environ[COMMAND_ENV] = previous
