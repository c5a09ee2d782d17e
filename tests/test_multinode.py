"""``ganzoo train --nnodes N --node-rank R --rdzv HOST:PORT``: two "machines" on 127.0.0.1,
one launcher process each, one rank each, gloo. The ranks end with identical nets, global
rank 0 alone writes the run folder, a resume with another world size is refused naming
both sizes (the same size on another layout resumes exactly), nodes given different
settings are refused on every node, and bad flags are one-line usage errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.artifacts.checkpoint import load as load_checkpoint
from ganzoo.cli.rendezvous import Nodes, rank_env
from ganzoo.cli.train import _without_launch_flags
from ganzoo.training.config import ConfigError

pytestmark = pytest.mark.usefixtures("models_host")

TINY = ("tinygan", "--data", "ring", "--set", "hidden=16", "--batch-size", "16")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", **extra}


def ganzoo_train(*args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ganzoo", "train", *args], capture_output=True, text=True,
                          check=False, env=env(**extra), timeout=300, cwd=cwd)


def two_nodes(*args: str, cwd: Path, node_args: tuple[tuple[str, ...], ...] = ((), ()),
              **extra: str) -> list[tuple[int, str]]:
    """Run ``ganzoo train ARGS`` (plus ``node_args[node]``) as node 0 and node 1 of a two-machine
    job; (exit code, output) of each."""
    port = str(free_port())
    launchers = [subprocess.Popen([sys.executable, "-m", "ganzoo", "train", *args, *node_args[node], "--nnodes", "2",
                                   "--node-rank", str(node), "--rdzv", f"127.0.0.1:{port}", "--nproc", "1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                                  env=env(**extra), start_new_session=True)
                 for node in (0, 1)]
    results = []
    try:
        for launcher in launchers:
            output, _ = launcher.communicate(timeout=300)
            results.append((launcher.returncode, output))
    finally:  # a node left waiting for a peer that never came: stop it and its ranks
        for launcher in launchers:
            if launcher.poll() is None:
                os.killpg(launcher.pid, signal.SIGKILL)
                launcher.wait()
    return results


def written(log_dir: Path, under: Path) -> dict[str, set[str]]:
    """Paths under ``under`` that each process (by rank, or 'launcher') wrote, created or removed."""
    by_writer: dict[str, set[str]] = {}
    for log in log_dir.glob("writes-*.log"):
        who = log.name.split("-")[1]
        paths = {line.split(" ", 1)[1] for line in log.read_text().splitlines()}
        by_writer.setdefault(who, set()).update(p for p in paths if Path(p).is_relative_to(under))
    return by_writer


@pytest.mark.slow  # two 2-process runs: about 25 s on a quiet 2-core CPU, 45 s on a loaded one
def test_two_nodes_train_identical_ranks_and_only_rank_0_writes_the_run(tmp_path: Path) -> None:
    dumps, logs, out = tmp_path / "dumps", tmp_path / "writes", tmp_path / "runs"
    dumps.mkdir()
    logs.mkdir()
    results = two_nodes(*TINY, "--steps", "20", "--checkpoint-every", "10", "--sample-every", "10",
                        "--out", str(out), cwd=tmp_path,
                        GANZOO_TEST_DUMP_DIR=str(dumps), GANZOO_TEST_WRITE_LOG=str(logs))
    for code, output in results:
        assert code == 0, output[-3000:]
        assert "Traceback" not in output and "terminate called" not in output, output[-3000:]
    assert "ranks 1-1 of 2, node 1 of 2" in results[1][1]

    # the same nets on both ranks, and what rank 0 saved is what rank 1 holds
    r0, r1 = (torch.load(dumps / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert r0.keys() == r1.keys() and len(r0) > 0
    assert all(torch.equal(r0[k], r1[k]) for k in r0)
    (run,) = list(out.iterdir())  # one run folder, though both nodes were given --out
    saved = load_checkpoint(run / "checkpoints" / "step-000020.pt")
    assert all(torch.equal(saved["nets"][k.split(".", 1)[0]][k.split(".", 1)[1]], r1[k]) for k in r1)
    assert set(saved["rng_by_rank"]) == {"0", "1"}  # rank 1's random streams travelled to rank 0's file

    # rank 0 alone wrote into the run folder; the log did see its writes
    writers = written(logs, out.resolve())
    assert {"0", "1"} <= {log.name.split("-")[1] for log in logs.glob("writes-*.log")}  # both ranks were watched
    assert str((run / "config.json").resolve()) in writers["0"]
    assert {who for who, paths in writers.items() if paths} == {"0"}, writers

    # the run remembers its two processes, and a resume with one is refused before training
    with pytest.raises(ConfigError, match=r"trained with 2 processes \(world size 2\), not 1"):
        ganzoo.train(resume=run, quiet=True, steps=40)
    assert not (run / ".lock").exists() and len(list((run / "checkpoints").glob("step-*.pt"))) == 2

    # the same world size on another layout (one machine, two processes) resumes exactly
    result = ganzoo_train("--resume", str(run / "checkpoints" / "step-000010.pt"), "--nproc", "2", "--quiet",
                          cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads((run / "config.json").read_text())["resumes"][-1]["step"] == 10  # it did train again
    again = load_checkpoint(run / "checkpoints" / "step-000020.pt")["nets"]
    assert all(torch.equal(again[net][k], saved["nets"][net][k]) for net in saved["nets"] for k in saved["nets"][net])


def test_nodes_started_with_different_settings_are_refused_on_every_node(tmp_path: Path) -> None:
    """Else node 1 would stop after 8 steps and node 0 would wait for it forever at step 9."""
    results = two_nodes(*TINY, "--out", str(tmp_path / "runs"), "--quiet", cwd=tmp_path,
                        node_args=(("--steps", "6"), ("--steps", "8", "--data", "grid", "--set", "threads=1")))
    for code, output in results:
        assert code == 1, output[-3000:]
        assert output.count("Error: ") == 1, output[-3000:]
        assert ("started with different settings: data ('ring' on rank 0, 'grid' on rank 1), "
                "steps (6 on rank 0, 8 on rank 1).") in output, output[-3000:]
        assert "threads" not in output and "Traceback" not in output, output[-3000:]  # threads are per machine
    assert not (tmp_path / "runs").exists()


def test_a_resume_with_more_processes_is_refused_once_before_starting(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path / "runs", steps=4, checkpoint_every=4, quiet=True,
                       hidden=16).dir
    result = ganzoo_train("--resume", str(run), "--steps", "8", "--nproc", "2", cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert output.count("was trained with 1 process (world size 1), not 2") == 1, output
    assert "Traceback" not in output and "starting" not in output, output


@pytest.mark.parametrize(("flags", "message"), [
    (("--nnodes", "2"), "--nnodes 2 needs --node-rank R and --rdzv HOST:PORT"),
    (("--nnodes", "2", "--rdzv", "127.0.0.1:29500"), "--nnodes 2 needs --node-rank R:"),
    (("--nnodes", "2", "--node-rank", "2", "--rdzv", "127.0.0.1:29500"), "must be from 0 to 1 for --nnodes 2, got 2"),
    (("--nnodes", "2", "--node-rank", "-1", "--rdzv", "127.0.0.1:29500"), "must be from 0 to 1 for --nnodes 2, got -1"),
    (("--nnodes", "2", "--node-rank", "1", "--rdzv", "127.0.0.1"), "must be HOST:PORT"),
    (("--nnodes", "2", "--node-rank", "1", "--rdzv", "127.0.0.1:http"), "must be HOST:PORT"),
    (("--nnodes", "2", "--node-rank", "1", "--rdzv", ":29500"), "must be HOST:PORT"),
    (("--nnodes", "0",), "'--nnodes': 0 is not in the range x>=1"),
    (("--node-rank", "1",), "a one-machine job has only node 0"),
])
def test_bad_node_flags_are_one_line_usage_errors(tmp_path: Path, flags: tuple[str, ...], message: str) -> None:
    result = ganzoo_train(*TINY, "--steps", "2", *flags, "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "runs").exists()


def test_each_rank_gets_the_environment_torchrun_would_give_it() -> None:
    nodes = Nodes(count=3, rank=2, host="node0.cluster", port=29500)
    assert rank_env(nodes, nproc=4, local_rank=1, port=29500) == {
        "MASTER_ADDR": "node0.cluster", "MASTER_PORT": "29500", "RANK": "9", "LOCAL_RANK": "1", "WORLD_SIZE": "12",
        "LOCAL_WORLD_SIZE": "4", "GROUP_RANK": "2", "GROUP_WORLD_SIZE": "3"}
    assert _without_launch_flags(["tinygan", "--nnodes", "2", "--node-rank=1", "--rdzv", "h:1", "--nproc", "4",
                                  "--steps", "3"]) == ["tinygan", "--steps", "3"]


def test_threads_and_loader_workers_are_shared_by_this_machines_processes_only(monkeypatch) -> None:
    """8 processes on 2 machines: each machine's cores are shared by its 4, not by all 8."""
    from ganzoo.training.device import pick_threads
    from ganzoo.training.distributed import World, world_from_env
    from ganzoo.training.stream import default_workers

    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("RANK", "5")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    world = world_from_env()
    assert (world.size, world.local_size, world.rank) == (8, 4, 5)
    monkeypatch.delenv("LOCAL_WORLD_SIZE")
    assert world_from_env().local_size == 8 and World(size=3).local_size == 3  # not given: all on one machine
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert pick_threads(None, True, world.local_size) == 4 and default_workers(world.local_size) == 3


def test_a_busy_rdzv_port_on_node_0_is_one_line_naming_rdzv(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = ganzoo_train(*TINY, "--steps", "2", "--nnodes", "2", "--node-rank", "0", "--rdzv", f"127.0.0.1:{port}",
                              "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and f"--rdzv 127.0.0.1:{port}: port {port} on this machine (node 0) is not free" in errors[0]
    assert not (tmp_path / "runs").exists()


def test_node_flags_are_ignored_under_an_outside_launcher(monkeypatch) -> None:
    """torchrun sets WORLD_SIZE; ganzoo's own node flags then neither launch nor fail."""
    from click.testing import CliRunner

    from ganzoo.cli import train as train_cli

    seen = {}
    monkeypatch.setenv("WORLD_SIZE", "1")
    monkeypatch.setattr("ganzoo.train", lambda *a, **k: seen.update(k) or type("Run", (), {"status": "finished"})())
    result = CliRunner().invoke(train_cli.train_cmd, ["tinygan", "--data", "ring", "--node-rank", "1"])
    assert result.exit_code == 0, result.output
    assert "record" in seen
