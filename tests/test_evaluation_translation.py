"""``ganzoo eval`` of an image-to-image run: one consistent name for the split it translated,
progress on stderr while the judge trains and the images are translated, and a judge that
tells the real domains from what failed translators return."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ganzoo

pytestmark = pytest.mark.usefixtures("models_host")


def test_eval_names_the_translated_split_once_and_reports_progress(tmp_path: Path) -> None:
    run = ganzoo.train("tinytranslate", "sketches2photos", out=tmp_path / "runs", steps=2, sample_every=2,
                       checkpoint_every=2, image_size=16, quiet=True)
    out = tmp_path / "scores.json"
    result = subprocess.run([sys.executable, "-m", "ganzoo", "eval", str(run.dir), "-n", "40", "--metrics",
                             "translation,fid", "--out", str(out)], capture_output=True, text=True, check=False,
                            env={**{k: v for k, v in os.environ.items() if k != "GANZOO_QUIET"},  # an in-process
                                 "PYTHONUNBUFFERED": "1"}, timeout=600)  # `train --quiet` elsewhere may have set it
    assert result.returncode == 0, result.stderr
    p = json.loads(out.read_text())["provenance"]
    assert p["split"] == "test" and p["translation"]["split"] == "test" and p["reference_split"] == "train"
    assert p["translation"]["images_per_domain"] == 40 and "neither" in p["translation"]["judge"]
    footer = result.stdout.split("\n\nmodel ", 1)[1]
    assert "40 test images per domain translated, compared with the train split" in footer, footer
    assert "(train split)" not in footer, footer
    # progress: the translations always; the judge's training when this is the session's first use of it
    # (the test session shares one cache between its workers)
    assert "translating 40 + 40 images" in result.stderr, result.stderr
    if "training the domain judge" in result.stderr:
        assert "done in" in result.stderr.split("training the domain judge", 1)[1], result.stderr


def test_the_judge_calls_noise_and_untrained_outputs_neither() -> None:
    import ganzoo.data as gdata
    from ganzoo.metrics.translation import (
        NEITHER,
        domain_classifier,
        domain_images,
        failures,
    )

    data = gdata.load("sketches2photos", image_size=16)
    judge = domain_classifier(data)
    a, b = domain_images(data.test, limit=100)
    assert (judge.predict(a) == 0).float().mean() > 0.95 and (judge.predict(b) == 1).float().mean() > 0.95
    g = torch.Generator().manual_seed(1)
    assert (judge.predict(failures(a, b, g)) == NEITHER).float().mean() > 0.9
    assert (judge.predict(torch.rand(100, 3, 16, 16, generator=g) * 2 - 1) == NEITHER).float().mean() > 0.9
