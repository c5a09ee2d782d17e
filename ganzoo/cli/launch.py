"""``ganzoo train --nproc N``: check once, start N local processes, report one error once.

Why not hand the command line to ``torchrun``? Its failure report is written for
cluster operators: every rank printed the same one-line error, then the launcher
added a ~30-line ``ChildFailedError`` traceback. A one-machine run needs only
what ``init_process_group("env://")`` reads (MASTER_ADDR, MASTER_PORT, RANK,
LOCAL_RANK, WORLD_SIZE), so this module starts the ranks itself:

1. The launcher resolves the run once, into a ``RunPlan`` (ganzoo.training.plan): unknown
   settings, a missing folder, a model/data mismatch and a folder with too few images
   for ``batch_size x N`` fail there, before any process starts. The ranks read that
   plan from a file instead of resolving the command line again.
2. ``launch`` starts the ranks with ``GANZOO_ERROR_FILE`` set; a rank that fails
   writes its message there instead of printing it (``child_errors``), and the
   launcher prints the first failure once, stops the other ranks and exits 1.

Across machines (``--nnodes N --node-rank R --rdzv HOST:PORT``, ganzoo.cli.rendezvous)
each machine's launcher does the same for its own ranks: it plans the run, starts ``nproc`` ranks with global rank numbers and reports its own ranks'
failure once. ``torchrun ... -m ganzoo train`` works too: a rank started with
WORLD_SIZE in its environment trains as it is told.
"""

from __future__ import annotations

# lazy-module: every import inside a function here keeps torch (and plugins) off the fast path of `import ganzoo` and the CLI
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from ganzoo.cli.rendezvous import Nodes, rank_env

ERROR_FILE_ENV = "GANZOO_ERROR_FILE"
#: seconds the other ranks get to finish on their own after one has failed
GRACE_S = 5.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_rdzv_port(nodes: Nodes) -> None:
    """On node 0 of a job across machines, refuse a busy ``--rdzv`` port in one line before any
    rank starts: rank 0 would listen there, and torch's store fails with a traceback otherwise."""
    if nodes.count == 1 or nodes.rank != 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as torch's store does: TIME_WAIT is not busy
        try:
            s.bind(("", nodes.port))
        except OSError as exc:
            from ganzoo.errors import GanzooError

            raise GanzooError(f"--rdzv {nodes.host}:{nodes.port}: port {nodes.port} on this machine (node 0) is not "
                              f"free ({exc.strerror or exc}); pick another port and give it to every node.") from None


def launch(args: Sequence[str], nproc: int, nodes: Nodes | None = None, plan: Any = None) -> int:
    """Run ``python -m ganzoo ARGS`` as this machine's ``nproc`` ranks of one DDP job (all of
    it, unless ``nodes`` places this machine in a larger one), each handed ``plan`` (a
    ``RunPlan``) when given; returns the exit code for the launcher (0, or 1 after printing
    the failure once)."""
    nodes = nodes or Nodes()
    port = nodes.port or _free_port()
    with tempfile.TemporaryDirectory(prefix="ganzoo-ranks-") as folder:
        handed = {}
        if plan is not None:
            from ganzoo.training.plan import PLAN_ENV

            handed = {PLAN_ENV: str(plan.write(Path(folder) / "plan.json"))}
        children = []
        for local in range(nproc):
            env = {**os.environ, **rank_env(nodes, nproc, local, port), **handed,
                   ERROR_FILE_ENV: str(Path(folder) / f"rank{local}.json")}
            env.setdefault("OMP_NUM_THREADS", "1")  # the Trainer sets its own thread count per rank
            children.append(subprocess.Popen([sys.executable, "-m", "ganzoo", *args], env=env))
        try:
            failed = _wait(children)
        except KeyboardInterrupt:  # Ctrl-C reached the ranks too: they save a checkpoint and stop
            failed = _wait(children, interrupted=True)
        if failed is None:
            return 0
        click.echo(_failure_message(Path(folder), failed, children, nodes), err=True)
        return 1


def _wait(children: list[subprocess.Popen], interrupted: bool = False) -> int | None:
    """Wait for every rank; after the first failure, give the others GRACE_S then stop them.
    Returns the rank that failed first, or None."""
    failed: int | None = None
    deadline = None
    while any(c.poll() is None for c in children):
        if failed is None:
            failed = next((r for r, c in enumerate(children) if c.returncode not in (None, 0)), None)
            if failed is not None:
                deadline = time.monotonic() + GRACE_S
        if deadline is not None and time.monotonic() > deadline:
            for child in children:
                if child.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + GRACE_S * 2
            for child in children:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(max(0.0, deadline - time.monotonic()))
                if child.poll() is None:
                    child.kill()
            break
        time.sleep(0.05)
    for child in children:
        child.wait()
    if failed is None:
        failed = next((r for r, c in enumerate(children) if c.returncode != 0), None)
    if failed is None and interrupted:
        return None
    return failed


def _failure_message(folder: Path, first: int, children: list[subprocess.Popen], nodes: Nodes) -> str:
    """The message of the rank that failed first, preferring a ganzoo error (what the user
    can fix) over a crash a dead peer caused in another rank. Ranks are named by their
    number in the whole job; a job across machines points at the other machines' output,
    where the cause may be."""
    nproc = len(children)
    elsewhere = (f" (on node {nodes.rank}; if another node failed first, these ranks lost their peers "
                 "and the cause is in that node's output)") if nodes.count > 1 else ""

    def name(local: int) -> str:
        return f"{nodes.first_rank(nproc) + local} of {nodes.world_size(nproc)}{elsewhere}"

    reports = {}
    for rank in range(len(children)):
        with contextlib.suppress(OSError, ValueError):
            reports[rank] = json.loads((folder / f"rank{rank}.json").read_text())
    errors = [r for r in sorted(reports) if reports[r].get("kind") == "error"]
    pick = errors[0] if errors else (first if first in reports else min(reports, default=None))
    if pick is None:
        code = children[first].returncode
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        return f"Error: training process {name(first)} stopped ({how}) without a message."
    report = reports[pick]
    if report.get("kind") == "error":
        return f"Error: {report['message']}"
    if os.environ.get("GANZOO_TRACEBACK"):
        return f"Error: training process {name(pick)} crashed:\n{report['message'].rstrip()}"
    return f"Error: training process {name(pick)} crashed: {report.get('line') or 'see its traceback'}"


@contextlib.contextmanager
def child_errors() -> Iterator[None]:
    """In a rank started by ``launch``: write a failure to the launcher's error file and exit 1
    quietly, so the launcher reports it once. Elsewhere: does nothing."""
    path = os.environ.get(ERROR_FILE_ENV)
    if not path:
        yield
        return
    from ganzoo.errors import GanzooError

    try:
        yield
    except (GanzooError, click.ClickException, OSError) as err:
        if isinstance(err, OSError):
            message = f"cannot write or read {err.filename or ''}: {err.strerror or err}."
        else:
            message = err.format_message() if isinstance(err, click.ClickException) else str(err)
        Path(path).write_text(json.dumps({"kind": "error", "message": message}), encoding="utf-8")
        sys.exit(1)
    except Exception:  # noqa: BLE001 - a bug, or a peer that died mid-collective: keep the traceback for the report
        from ganzoo.cli import unexpected_error_line

        Path(path).write_text(json.dumps({"kind": "crash", "message": traceback.format_exc(),
                                          "line": unexpected_error_line(sys.exc_info()[1])}), encoding="utf-8")
        sys.exit(1)
