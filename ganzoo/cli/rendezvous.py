"""``--nnodes N --node-rank R --rdzv HOST:PORT``: where this machine's ranks sit in a job.

The flags are torchrun's names for its static rendezvous, and each rank gets exactly the
environment torchrun would give it (MASTER_ADDR/PORT, RANK = R x nproc + local rank,
WORLD_SIZE = N x nproc, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK), so
``init_process_group("env://")`` meets the other machines at HOST:PORT. ganzoo's own
launcher starts the ranks instead of ``torch.distributed.run`` so that a failure is still
reported once, in one line (ganzoo.cli.launch). Bad flags are usage errors (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import click

#: the port a one-machine job listens on is picked free at start; a job across machines must name one
LOCAL = "127.0.0.1"


@dataclass(frozen=True)
class Nodes:
    """This machine's place in the job: ``count`` machines, this one ``rank``, rank 0's store at ``host:port``
    (``port`` 0: one machine, a free local port is picked when the ranks start)."""

    count: int = 1
    rank: int = 0
    host: str = LOCAL
    port: int = 0

    def world_size(self, nproc: int) -> int:
        return self.count * nproc

    def first_rank(self, nproc: int) -> int:
        return self.rank * nproc


def parse(nnodes: int, node_rank: int | None, rdzv: str | None) -> Nodes:
    """The validated flags, or a one-line usage error saying which flag is wrong and how."""
    if nnodes < 1:
        raise click.BadParameter(f"must be at least 1, got {nnodes}.", param_hint="--nnodes")
    if nnodes == 1:
        if node_rank not in (None, 0):
            raise click.BadParameter(f"is {node_rank}, but a one-machine job has only node 0; "
                                     "give --nnodes for a job across machines.", param_hint="--node-rank")
        host, port = split_endpoint(rdzv) if rdzv else (LOCAL, 0)
        return Nodes(1, 0, host, port)
    if node_rank is None or rdzv is None:
        missing = " and ".join(f for f, v in (("--node-rank R", node_rank), ("--rdzv HOST:PORT", rdzv)) if v is None)
        raise click.UsageError(f"--nnodes {nnodes} needs {missing}: every machine gets its own node rank "
                               "(0 to N-1) and all name node 0's address and a free port.")
    if not 0 <= node_rank < nnodes:
        raise click.BadParameter(f"must be from 0 to {nnodes - 1} for --nnodes {nnodes}, got {node_rank}.",
                                 param_hint="--node-rank")
    host, port = split_endpoint(rdzv)
    return Nodes(nnodes, node_rank, host, port)


def split_endpoint(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` too) as (host, port)."""
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65_536:
        raise click.BadParameter(f"must be HOST:PORT (node 0's address and a free port, e.g. "
                                 f"10.0.0.1:29500), got {text!r}.", param_hint="--rdzv")
    return host, int(port)


def rank_env(nodes: Nodes, nproc: int, local_rank: int, port: int) -> dict[str, str]:
    """The environment torchrun would give local rank ``local_rank`` of this machine."""
    return {"MASTER_ADDR": nodes.host, "MASTER_PORT": str(port), "RANK": str(nodes.first_rank(nproc) + local_rank),
            "LOCAL_RANK": str(local_rank), "WORLD_SIZE": str(nodes.world_size(nproc)),
            "LOCAL_WORLD_SIZE": str(nproc), "GROUP_RANK": str(nodes.rank), "GROUP_WORLD_SIZE": str(nodes.count)}
