"""``ganzoo export --push``: the core's side (the model card, the hook, the one-line refusals).
The hf:// transport and its local Hub are tested in plugins/ganzoo-hf."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ganzoo.errors import PushError
from ganzoo.host import PluginHost
from ganzoo.services import model_card
from ganzoo.services.publish import push

META = {"model": "dcgan", "tag": "shapes", "plugin": "ganzoo-dcgan", "plugin_version": "0.1.0", "ema": False,
        "dtype": "float16", "step": 3000, "data_source": "shapes",
        "data": {"kind": "images", "image_size": 32, "channels": 3}}
ENTRY = {"sha256": "ab" * 32, "size": 7_340_032, "command": "ganzoo train dcgan --data shapes",
         "metrics": {"fid": 41.5, "kid": 0.0123}}


def test_the_card_has_front_matter_data_metrics_provenance_command_and_usage() -> None:
    card = model_card.render(META, ENTRY, url="hf://me/dcgan-shapes", file="dcgan-shapes.safetensors", licence="MIT",
                             started_with=["ganzoo", "train", "dcgan", "--data", "shapes", "--set", "lr=1e-4 "],
                             provenance={"features": "classifier", "generated_samples": 2000, "checkpoint": "/home/x"},
                             summary="All-convolutional GAN.", task="unconditional")
    front, body = card.split("---\n", 2)[1:]
    assert front == ('library_name: ganzoo\nlicense: "MIT"\ntags:\n- "ganzoo"\n- "gan"\n- "dcgan"\n'
                     '- "unconditional-image-generation"\n')
    assert body.startswith("\n# dcgan.shapes\n\nAll-convolutional GAN.\n")
    assert "float16" in body and "step 3000" in body and "7,340,032 bytes" in body and "![samples" in body
    assert "Trained on `shapes` (32 px, 3 channel(s))." in body
    assert "| fid | 41.5 |" in body and '"generated_samples": 2000' in body and "/home/x" not in body
    assert "ganzoo train dcgan --data shapes --set 'lr=1e-4 '" in body  # quoted as a shell would need it
    assert 'urls = ["hf://me/dcgan-shapes/dcgan-shapes.safetensors"]' in body
    assert "pip install ganzoo ganzoo-hf ganzoo-dcgan" in body and "ganzoo sample dcgan.shapes" in body


def test_a_card_says_what_was_not_recorded() -> None:
    card = model_card.render(META, {**ENTRY, "metrics": {}}, url="hf://me/x", file="f.safetensors", licence="",
                             started_with=None, samples=None)
    assert 'license: "other"' in card and "not recorded (the run has no run.json)" in card
    assert "Not measured" in card and "## Samples" not in card


def test_the_cards_samples_say_how_they_were_drawn_by_kind() -> None:
    """An image-to-image model's grid is the run's last training grid, not drawn from the file."""
    drawn = model_card.render(META, ENTRY, url="hf://me/x", file="f.safetensors", licence="MIT")
    assert "Drawn from this file with a fixed seed" in drawn
    unpaired = {**META, "model": "cyclegan", "data": {"kind": "unpaired-images", "image_size": 32, "channels": 3}}
    card = model_card.render(unpaired, ENTRY, url="hf://me/x", file="f.safetensors", licence="MIT")
    assert "The run's last training grid" in card and "fixed seed" not in card


def test_push_without_a_plugin_for_the_scheme_says_what_to_install(tmp_path) -> None:
    host = PluginHost(entry_points=False)  # the built-ins only: nothing pushes
    with pytest.raises(PushError, match=r"no installed plugin pushes to hf:// URLs.*pip install ganzoo-hf"):
        push(tmp_path / "no-run-needed", "t", "hf://me/repo", host=host)
    with pytest.raises(PushError, match="--push takes a URL such as hf://OWNER/REPO, not 'me/repo'"):
        push(tmp_path, "t", "me/repo", host=host)


@pytest.mark.parametrize(("args", "code", "says"), [
    (["--push", "hf://me/repo"], 1, "no installed plugin pushes to hf:// URLs"),
    (["--push", "hf://me/repo", "--out", "x.safetensors"], 2, "give one of --out FILE, --into PLUGIN_DIR or --push URL"),
    (["--out", "x.safetensors", "--license", "MIT"], 2, "--license goes with --push"),
])
def test_cli_refusals_are_one_line_before_any_work(tmp_path, args, code, says) -> None:
    env = {"GANZOO_DISABLE_PLUGINS": "ganzoo-hf", "PATH": "", "HF_HUB_OFFLINE": "1", "GANZOO_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "ganzoo", "export", str(tmp_path / "no-such-run"), "--tag", "t", *args],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == code and says in done.stderr and "Traceback" not in done.stderr
    if code == 1:
        assert len(done.stderr.strip().splitlines()) == 1
