"""The step contract and the Trainer's hot path: figures stay on the device (one host
sync per logged window), data is made on the device, EMA is fused, run length is one
setting, auto precision is measured, and resume is exact on CUDA too."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import ganzoo
from ganzoo.artifacts.checkpoint import load as load_checkpoint
from ganzoo.data.base import GanData
from ganzoo.training import precision as prec
from ganzoo.training.config import ConfigError, layered, parse_set
from ganzoo.training.ema import EMA, plain_copy, remeasure_batch_norm
from ganzoo.training.step_log import StepLog
from ganzoo.training.stream import BatchStream

REPO = Path(__file__).resolve().parents[1]
OURS = (str(REPO / "ganzoo"), str(REPO / "plugins"), str(REPO / "tests" / "plugins"))
#: every Tensor method that makes the host wait for the device's result
SYNCING = ("item", "tolist", "cpu", "numpy", "__float__", "__int__", "__bool__", "__index__")


@pytest.fixture
def host_syncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Calls of syncing Tensor methods made from ganzoo's or a plugin's code (torch's own
    internals, such as Adam reading its CPU step counter, are not counted)."""
    import sys

    calls: list[str] = []
    for name in SYNCING:
        original = getattr(torch.Tensor, name)

        def counting(self, *args, __original=original, __name=name, **kwargs):
            caller = sys._getframe(1).f_code.co_filename
            if caller.startswith(OURS) and calls is not None:
                calls.append(f"{__name} at {caller}:{sys._getframe(1).f_lineno}")
            return __original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counting)
    return calls


@pytest.mark.usefixtures("models_host")
def test_at_most_one_host_sync_per_logged_window(tmp_path: Path, host_syncs: list[str]) -> None:
    from ganzoo.training.trainer import Trainer

    trainer = Trainer(ganzoo.plan("tinygan", "ring", out=tmp_path, steps=60, log_every=20, sample_every=10**6,
                                  checkpoint_every=10**6, ema=True), quiet=True)
    trainer.save_samples = lambda: None  # grids are I/O at sample_every, not part of a step
    trainer.save_checkpoint = lambda: None
    host_syncs.clear()
    trainer.fit()
    assert len(host_syncs) <= 60 // 20, host_syncs  # the three windows' transfers, nothing per step
    rows = [json.loads(r) for r in (trainer.run.dir / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [20, 40, 60] and all(isinstance(r["loss_D"], float) for r in rows)


def test_step_log_averages_a_window_and_names_the_first_bad_step() -> None:
    log = StepLog()
    log.add(1, {"a": torch.tensor(1.0), "b": 2.0})
    log.add(2, {"a": torch.tensor(3.0), "b": 4.0})
    means, bad = log.reduce()
    assert means == {"a": 2.0, "b": 3.0} and bad is None and not log.has_rows()
    log.add(3, {"a": torch.tensor(1.0)})
    log.add(4, {"a": torch.tensor(float("inf"))})
    log.add(5, {"a": torch.tensor(float("nan"))})
    assert log.settle().step == 4  # settled before a checkpoint: the bad step is known
    means, bad = log.reduce()
    assert bad is not None and bad.step == 4 and bad.figures == {"a": float("inf")}
    with pytest.raises(TypeError, match="dict of detached scalar tensors"):
        log.add(6, 1.0)  # type: ignore[arg-type]


def _ring_like(n: int = 100) -> GanData:
    from ganzoo.data.base import ImageTensorDataset

    images = torch.randint(0, 256, (n, 3, 8, 8), dtype=torch.uint8)
    return GanData("toy", "labelled-images", ImageTensorDataset(images, torch.arange(n) % 4), image_size=8, channels=3,
                   class_names=("a", "b", "c", "d"))


def test_in_memory_data_is_kept_as_uint8_on_the_device_and_batches_match_the_host() -> None:
    data = _ring_like()
    stream = BatchStream(data, 16, seed=3, device=torch.device("cpu"), channels_last=True)
    assert stream.source.images.dtype == torch.uint8
    assert stream.source.images.data_ptr() == data.train.images.data_ptr()  # on the CPU: used where it lies
    order = stream.epoch_batches()
    for idx in order[:3]:
        images, labels = next(stream)
        expected_images, expected_labels = data.train.batch(idx)
        assert images.is_contiguous(memory_format=torch.channels_last)
        assert torch.equal(images, expected_images) and torch.equal(labels, expected_labels)
    on_device = data.train.to(torch.device("cpu"), channels_last=True)  # what an accelerator's copy looks like
    assert on_device.images.dtype == torch.uint8 and on_device.images.is_contiguous(memory_format=torch.channels_last)
    assert on_device.batch(order[0])[0].is_contiguous(memory_format=torch.channels_last)  # no per-batch reorder


def _folder(tmp_path: Path, n: int = 40) -> Path:
    from PIL import Image

    g = torch.Generator().manual_seed(0)
    for domain in ("trainA", "trainB"):
        (tmp_path / domain).mkdir(parents=True)
        for i in range(n):
            pixels = torch.randint(0, 256, (8, 8, 3), generator=g, dtype=torch.uint8).numpy()
            Image.fromarray(pixels).save(tmp_path / domain / f"{i:03d}.png")
    return tmp_path


def test_folder_stream_with_persistent_workers_matches_in_memory_batches_and_resumes(tmp_path: Path) -> None:
    from ganzoo.data.folders import build_folder

    root = _folder(tmp_path)
    lazy = build_folder(root, image_size=8, preload_limit=0)  # decoded by loader workers
    eager = build_folder(root, image_size=8)  # preloaded: cut in memory
    assert not lazy.in_memory and eager.in_memory
    workers = BatchStream(lazy, 8, seed=1, device=torch.device("cpu"), num_workers=2)
    memory = BatchStream(eager, 8, seed=1, device=torch.device("cpu"))
    seen = []
    for _ in range(12):  # 5 batches an epoch: crosses two epoch boundaries (B re-paired each)
        (a1, b1), (a2, b2) = next(workers), next(memory)
        assert a1.dtype == torch.float32 and torch.equal(a1, a2) and torch.equal(b1, b2)
        seen.append((a1, b1))
    loader = workers._loader
    assert loader is not None and loader.persistent_workers and loader.num_workers == 2
    resumed = BatchStream(lazy, 8, seed=1, device=torch.device("cpu"), num_workers=1)
    resumed.load_state({"epoch": 1, "batch": 2})  # the position after 7 batches
    for a, b in seen[7:]:
        ra, rb = next(resumed)
        assert torch.equal(ra, a) and torch.equal(rb, b)
    workers.close()
    resumed.close()


def test_ema_with_foreach_ops_matches_the_per_tensor_rule() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    ema, reference = EMA({"G": net}, decay=0.9), plain_copy(net)
    for updates in range(1, 6):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
        net(torch.randn(8, 3))  # moves batch-norm statistics
        ema.update({"G": net})
        decay = min(0.9, (1 + updates) / (10 + updates))
        with torch.no_grad():
            for mine, live in zip(reference.parameters(), net.parameters()):
                mine.mul_(decay).add_(live, alpha=1 - decay)
            for mine, live in zip(reference.buffers(), net.buffers()):
                mine.copy_(live)
    for (name, a), b in zip(ema.shadow["G"].state_dict().items(), reference.state_dict().values()):
        assert torch.allclose(a.float(), b.float(), atol=1e-6), name


def test_ema_measures_batch_norm_statistics_on_the_averaged_weights() -> None:
    """The live net's running statistics belong to the live weights; the averaged net
    gets its own, the plain mean over the batches it is measured on, before it is sampled."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    batches = [torch.randn(16, 3) for _ in range(4)]
    measured = []
    ema = EMA({"G": net}, decay=0.9,
              remeasure=lambda nets: measured.append(remeasure_batch_norm(nets["G"], lambda i: nets["G"](batches[i]), 4)))
    for _ in range(5):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
        net(torch.randn(8, 3) * 5)  # live statistics of other inputs and other weights
        ema.update({"G": net})
    averaged = ema.shadow["G"]
    assert len(measured) == 1 and not averaged.training
    with torch.no_grad():
        outs = [averaged[0](b) for b in batches]
    norm = averaged[1]
    assert torch.allclose(norm.running_mean, torch.stack([o.mean(0) for o in outs]).mean(0), atol=1e-5)
    assert torch.allclose(norm.running_var, torch.stack([o.var(0) for o in outs]).mean(0), atol=1e-5)
    assert not torch.allclose(norm.running_mean, net[1].running_mean, atol=1e-2)  # not the live net's
    ema.shadow, ema.state_dict()  # nothing updated since: no second measurement
    assert len(measured) == 1


def test_plain_copy_of_a_compiled_net_runs_its_own_weights() -> None:
    net = nn.Linear(2, 1)
    net.compile()
    twin = plain_copy(net)
    with torch.no_grad():
        twin.weight.zero_()
        twin.bias.zero_()
    assert getattr(twin, "_compiled_call_impl", None) is None
    assert torch.equal(twin(torch.ones(1, 2)), torch.zeros(1, 1))


def _spec(**presets: dict) -> SimpleNamespace:
    return SimpleNamespace(name="m", defaults={"steps": 3000}, presets=presets, with_legacy=dict)


def test_steps_and_epochs_are_one_setting_whichever_layer_sets_it() -> None:
    spec = _spec(paper={"epochs": 200, "batch_size": 1})
    assert layered(spec, saved=None, file_layer={}, overrides={})["steps"] == 3000
    paper = layered(spec, saved=None, file_layer={}, overrides={"preset": "paper"})
    assert (paper["epochs"], paper["steps"]) == (200, None)
    short = layered(spec, saved=None, file_layer={}, overrides={"preset": "paper", "steps": 300})
    assert (short["epochs"], short["steps"], short["batch_size"]) == (None, 300, 1)  # the flag wins, preset kept
    from_file = layered(spec, saved=None, file_layer={"epochs": 2}, overrides={})
    assert (from_file["epochs"], from_file["steps"]) == (2, None)
    resumed = layered(spec, saved=from_file, file_layer={}, overrides={"steps": 50})
    assert (resumed["epochs"], resumed["steps"]) == (None, 50)
    with pytest.raises(ConfigError, match="either steps or epochs"):
        layered(spec, saved=None, file_layer={}, overrides={"steps": 5, "epochs": 1})
    with pytest.raises(ConfigError, match="epochs must be a positive number"):
        layered(spec, saved=None, file_layer={}, overrides={"epochs": -1})


def test_none_is_a_value_for_text_settings_and_unsets_the_others() -> None:
    spec = SimpleNamespace(name="m", defaults={"steps": 3000, "d_norm": "batch"}, presets={}, with_legacy=dict)
    config = layered(spec, saved=None, file_layer={},
                     overrides=parse_set(["d_norm=none", "augment=None", "image_size=none", "channels=null"]))
    assert (config["d_norm"], config["augment"]) == ("none", "none")  # text: the choice named none
    assert (config["image_size"], config["channels"]) == (None, None)  # not text: unset
    with pytest.raises(ConfigError, match="augment must be one of"):
        layered(spec, saved=None, file_layer={}, overrides=parse_set(["augment=null"]))


@pytest.mark.usefixtures("models_host")
def test_preset_epochs_then_a_steps_flag_trains_that_many_steps(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, quiet=True, epochs=0.01, checkpoint_every=10**6,
                       sample_every=10**6)
    assert run.step == int(0.01 * (len(ganzoo.data.load("ring").train) // 32)) > 0
    resumed = ganzoo.train(resume=run.dir, steps=run.step + 7, quiet=True)
    assert resumed.step == run.step + 7


def test_auto_precision_and_layout_are_measured_once_per_machine_and_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(prec, "native_bf16", lambda device: True)
    calls: list[tuple[str, bool]] = []

    def costs(table: dict[tuple[str, bool], float]):
        def factory(precision: str, channels_last: bool):
            def run() -> None:
                calls.append((precision, channels_last))
                time.sleep(table[(precision, channels_last)])

            return run

        return factory

    cpu = torch.device("cpu")
    slow_bf16 = costs({("fp32", False): 0.002, ("fp32", True): 0.006, ("bf16", False): 0.02, ("bf16", True): 0.02})
    assert prec.resolve("auto", "auto", cpu, True, "model-a", slow_bf16)[:2] == ("fp32", False)
    measured = len(calls)
    assert measured == 4 * (prec.WARMUP + prec.STEPS)  # every candidate, in turn
    assert prec.resolve("auto", "auto", cpu, True, "model-a", slow_bf16)[:2] == ("fp32", False)
    assert len(calls) == measured  # cached
    fast = costs({("fp32", False): 0.02, ("fp32", True): 0.015, ("bf16", False): 0.012, ("bf16", True): 0.004})
    precision, channels_last, why = prec.resolve("auto", "auto", cpu, True, "model-b", fast)
    assert (precision, channels_last) == ("bf16", True) and "measured here" in why
    assert prec.resolve("fp32", "auto", cpu, True, "model-b", fast)[:2] == ("fp32", True)  # only the layout varies
    assert prec.resolve("auto", "auto", cpu, False, "mlp", fast)[:2] == ("fp32", False)  # MLPs are never probed
    assert prec.resolve("fp16", False, cpu, True, "model-b", fast) == ("fp16", False, "asked for")
    barely = costs({("fp32", False): 0.010, ("fp32", True): 0.0095, ("bf16", False): 0.0098, ("bf16", True): 0.0097})
    assert prec.resolve("auto", "auto", cpu, True, "model-c", barely)[:2] == ("fp32", False)  # < MARGIN: plain


@pytest.mark.usefixtures("models_host")
def test_a_resumed_run_keeps_the_precision_it_started_with(tmp_path: Path) -> None:
    run = ganzoo.train("tinytranslate", "sketches2photos", out=tmp_path, steps=2, precision="bf16", quiet=True)
    record = json.loads((run.dir / "config.json").read_text())
    record["config"]["precision"] = "auto"  # as if auto had resolved to bf16 when it started
    (run.dir / "config.json").write_text(json.dumps(record))
    resumed = ganzoo.train(resume=run.dir, steps=4, quiet=True)
    assert json.loads((resumed.dir / "config.json").read_text())["resolved"]["precision"] == "bf16"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (checks the CUDA RNG state resumes); "
                                                            "this machine has none")
@pytest.mark.usefixtures("models_host")
def test_resume_is_exact_on_cuda(tmp_path: Path) -> None:
    settings = dict(quiet=True, device="cuda", checkpoint_every=10, sample_every=10, dropout=0.3, d_steps=2)
    straight = ganzoo.train("tinygan", "ring", out=tmp_path / "a", steps=30, **settings)
    first = ganzoo.train("tinygan", "ring", out=tmp_path / "b", steps=15, **settings)
    assert "cuda" in load_checkpoint(first.dir / "checkpoints/last.pt")["rng_by_rank"]["0"]
    resumed = ganzoo.train(resume=first.dir, steps=30, quiet=True)
    a = load_checkpoint(straight.dir / "checkpoints/last.pt")["nets"]
    b = load_checkpoint(resumed.dir / "checkpoints/last.pt")["nets"]
    for net in a:
        for key in a[net]:
            assert torch.equal(a[net][key], b[net][key]), f"{net}.{key}"


@pytest.mark.slow
@pytest.mark.usefixtures("models_host")
def test_compile_option_trains_and_checkpoints_plain_state_dicts(tmp_path: Path) -> None:
    run = ganzoo.train("tinygan", "ring", out=tmp_path, steps=20, compile=True, quiet=True, log_every=10)
    state = load_checkpoint(run.dir / "checkpoints/last.pt")
    assert all(not k.startswith("_orig_mod") for k in state["nets"]["G"])
    assert torch.isfinite(ganzoo.sample(run.dir, 16)).all()


def test_compile_falls_back_to_eager_for_a_penalty_it_cannot_differentiate_twice(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # vanilla's default R1 takes a gradient of a gradient, which torch.compile's graphs refuse
    run = ganzoo.train("vanilla", "ring", out=tmp_path, steps=4, compile=True, log_every=2, sample_every=4,
                       checkpoint_every=4)
    assert run.step == 4 and run.config["r1"] > 0
    assert "the run goes on uncompiled" in capsys.readouterr().err
    assert torch.isfinite(ganzoo.sample(run.dir, 16)).all()


def test_compile_fallback_repeats_a_step_only_when_no_net_was_updated() -> None:
    from ganzoo.errors import GanzooError
    from ganzoo.training.compiling import is_compiled, step_falling_back

    class Model:  # raises torch.compile's double-backward error, after an update or before one
        def __init__(self, update_first: bool) -> None:
            self.net, self.update_first, self.calls = nn.Linear(2, 1), update_first, 0
            self.net.compile()  # in place; nothing is compiled until it is called
            self.opt = torch.optim.SGD(self.net.parameters(), lr=0.1)

        def nets(self) -> dict:
            return {"D": self.net}

        def train_step(self, batch, ctx) -> dict:
            self.calls += 1
            if self.update_first:
                self.net.weight.grad = torch.ones_like(self.net.weight)
                self.opt.step()
            if is_compiled(self.nets()):
                raise RuntimeError("torch.compile with aot_autograd does not currently support double backward")
            return {"loss": torch.tensor(0.0)}

    said: list[str] = []
    safe = Model(update_first=False)
    assert step_falling_back(safe, None, None, said.append) == {"loss": torch.tensor(0.0)}
    assert safe.calls == 2 and not is_compiled(safe.nets()) and "goes on uncompiled" in said[0]
    updated = Model(update_first=True)
    with pytest.raises(GanzooError, match="train without --compile"):
        step_falling_back(updated, None, None, said.append)
    assert updated.calls == 1  # never stepped twice on one batch
