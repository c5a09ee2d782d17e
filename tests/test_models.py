"""Every registered model is tested by being registered (timm's pattern): it builds on
each data kind it accepts, trains a few steps, resumes, and samples the right shape."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import ganzoo
from ganzoo.host import PluginHost

#: a small built-in dataset for each data kind
DATA_FOR_KIND = {"points-2d": "ring", "images": "shapes", "labelled-images": "digits", "unpaired-images": "sketches2photos"}
HOST = PluginHost()
CASES = [(m.qualified_name, kind) for m in HOST.registry.list_models() for kind in m.data_kinds
         if not m.plugin.startswith("ganzoo-fixture")]


def test_official_families_are_installed() -> None:
    names = {m.name for m in HOST.registry.list_models()}
    assert {"vanilla", "cgan", "dcgan", "wgan", "wgan-gp", "cyclegan", "stylegan-lite"} <= names
    assert all(p.status == "ok" for p in HOST.plugins), [(p.name, p.error) for p in HOST.plugins if p.status != "ok"]


@pytest.mark.parametrize("model, kind", CASES, ids=[f"{m.split(':')[1]}-{k}" for m, k in CASES])
def test_model_trains_resumes_and_samples(tmp_path, model: str, kind: str) -> None:
    spec = HOST.registry.get_model(model)
    assert spec.paper is not None and spec.summary and spec.task
    small = dict(steps=2, batch_size=8, sample_every=2, checkpoint_every=1, sample_count=8, quiet=True)
    if "width" in spec.defaults:
        small["width"] = 8
    if "ngf" in spec.defaults:  # image-to-image nets
        small.update(ngf=8, ndf=8, n_blocks=1, image_size=32)
    run = ganzoo.train(model, DATA_FOR_KIND[kind], out=tmp_path, **small)
    again = ganzoo.train(resume=run.dir, steps=3, quiet=True)
    assert again.step == 3
    if kind == "unpaired-images":
        x = torch.rand(2, run.data_info.channels, 32, 32) * 2 - 1
        for direction in ("a2b", "b2a"):
            y = ganzoo.translate(run.dir, x, direction)
            assert y.shape == x.shape and torch.isfinite(y).all() and y.abs().max() <= 1
        return
    labels = torch.tensor([0, 1]) if kind == "labelled-images" and spec.task == "conditional" else None
    out = ganzoo.sample(run.dir, 2, labels=labels)
    expected = (2, 2) if kind == "points-2d" else (2, run.data_info.channels, run.data_info.image_size, run.data_info.image_size)
    assert out.shape == expected and torch.isfinite(out).all()
    if kind != "points-2d":
        assert out.min() >= -1 and out.max() <= 1


def test_listing_the_real_plugins_imports_no_torch() -> None:
    code = ("import sys\nfrom ganzoo.cli import main\ntry:\n    main(['list'])\nexcept SystemExit:\n    pass\n"
            "print('TORCH', 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert "dcgan" in out and "TORCH False" in out
