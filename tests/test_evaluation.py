"""`ganzoo eval` and ganzoo.evaluate(): feature extractors, provenance, caching, the
Trainer's --eval-every, and the errors a person sees."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import ganzoo
from ganzoo.errors import GanzooError
from ganzoo.metrics.features import get_extractor
from ganzoo.services.evaluation import evaluate


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval-dcgan")
    return ganzoo.train("dcgan", "shapes", out=out, steps=4, batch_size=8, width=8, quiet=True,
                        sample_every=1_000, checkpoint_every=1_000).dir


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory) -> Path:
    """vanilla on ring, 1,500 steps: enough to cover several modes (scored below)."""
    out = tmp_path_factory.mktemp("eval-ring")
    return ganzoo.train("vanilla", "ring", out=out, steps=1_500, quiet=True, sample_every=10_000,
                        checkpoint_every=10_000).dir


def test_evaluate_images_carries_provenance_and_reuses_real_features(dcgan_run) -> None:
    first = evaluate(dcgan_run, n=300)
    scores, p = first["scores"], first["provenance"]
    assert set(scores) == {"fid", "kid", "kid_std", "precision", "recall"}
    assert scores["fid"] > 0 and 0 <= scores["precision"] <= 1 and 0 <= scores["recall"] <= 1
    assert p["features"] == "classifier:shapes" and len(p["weights_sha256"]) == 64
    assert (p["input_size"], p["resizer"], p["feature_dim"]) == (32, "bilinear, antialias", 128)
    assert (p["data"], p["split"], p["generated_samples"], p["real_samples"]) == ("shapes", "train", 300, {"real": 300})
    assert (p["model"], p["checkpoint_step"], p["seed"]) == ("dcgan", 4, 0)
    assert p["real_features_cached"] == {"real": False}
    second = evaluate(dcgan_run, n=300)
    assert second["provenance"]["real_features_cached"] == {"real": True}
    assert second["scores"] == scores  # same seed, same samples, same cached reference
    other_seed = evaluate(dcgan_run, n=300, seed=1)["scores"]
    assert other_seed["fid"] != scores["fid"]


def test_a_trained_run_scores_better_than_an_untrained_one(dcgan_run, ring_run, tmp_path) -> None:
    untrained = ganzoo.train("vanilla", "ring", out=tmp_path, steps=1, lr=1e-12, quiet=True).dir
    good, bad = evaluate(ring_run)["scores"], evaluate(untrained)["scores"]
    assert good["modes_covered"] >= 6 and good["high_quality"] > 0.3, good  # measured 8 modes, 49.7 %
    assert bad["high_quality"] < 0.1 and good["high_quality"] > 5 * bad["high_quality"]


def test_cli_eval_writes_json_and_rejects_bad_requests(dcgan_run, ring_run, tmp_path) -> None:
    out = tmp_path / "scores.json"
    ok = subprocess.run([sys.executable, "-m", "ganzoo", "eval", str(ring_run), "--out", str(out)],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert "modes_covered" in ok.stdout and "high_quality" in ok.stdout
    saved = json.loads(out.read_text())
    assert saved["provenance"]["generated_samples"] == 2_500 and saved["provenance"]["data"] == "ring"

    def fails(*args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "ganzoo", "eval", *args], capture_output=True, text=True,
                                timeout=300)
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        return result.stderr

    assert "do not apply" in fails(str(ring_run), "--metrics", "fid")
    assert "unknown metric" in fails(str(dcgan_run), "--metrics", "fidd")
    assert "Did you mean: inception" in fails(str(dcgan_run), "--features", "incepton")
    assert "same kind" in fails(str(dcgan_run), "--data", "ring")
    assert "neither a run folder" in fails(str(tmp_path / "nope"))


def test_trainer_eval_every_logs_scores_through_the_hooks(tmp_path) -> None:
    run = ganzoo.train("vanilla", "ring", out=tmp_path, steps=300, eval_every=150, eval_samples=500, quiet=True)
    evaluations = [json.loads(line) for line in (run.dir / "evaluations.jsonl").read_text().splitlines()]
    assert [e["step"] for e in evaluations] == [150, 300]
    assert evaluations[0]["provenance"]["generated_samples"] == 500
    logged = [json.loads(line) for line in run.metrics_path.read_text().splitlines()]
    scored = [row for row in logged if "eval/modes_covered" in row]
    assert [row["step"] for row in scored] == [150, 300]
    # the last in-training score is what `ganzoo eval` says of the finished run with the same settings
    final = evaluate(run.dir, n=500)["scores"]
    assert final["high_quality"] == pytest.approx(evaluations[-1]["scores"]["high_quality"])


def test_conditional_models_report_label_accuracy(tmp_path) -> None:
    run = ganzoo.train("cgan", "digits", out=tmp_path, steps=2, batch_size=8, quiet=True)
    result = evaluate(run.dir, n=100, metrics="label-accuracy")
    assert set(result["scores"]) == {"label_accuracy"} and 0 <= result["scores"]["label_accuracy"] <= 1
    assert "features" not in result["provenance"]  # no feature net was used


# -- extractors ----------------------------------------------------------------------------
def test_classifier_features_accept_any_size_and_channels() -> None:
    import ganzoo.data as gdata

    extractor = get_extractor("classifier", gdata.load("shapes"))
    grey_large = torch.rand(5, 1, 64, 64) * 2 - 1
    assert extractor(grey_large).shape == (5, 128)
    assert get_extractor("classifier:digits").name == "classifier:digits"
    with pytest.raises(GanzooError, match="classifier:shapes"):
        get_extractor("classifier", gdata.load("ring"))


def _inception_state(monkeypatch) -> dict[str, torch.Tensor]:
    """Inception-v3 weights of the right shapes (random: the real file cannot be downloaded here)."""
    import torch_fidelity.feature_extractor_inceptionv3 as fx

    monkeypatch.setattr(fx, "load_state_dict_from_url", lambda *a, **k: {})
    monkeypatch.setattr(fx.FeatureExtractorInceptionV3, "load_state_dict", lambda self, state: None)
    torch.manual_seed(0)
    state = fx.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"]).state_dict()
    monkeypatch.undo()
    return state


def test_inception_reads_a_local_file_safely(monkeypatch, tmp_path) -> None:
    from ganzoo.io.download import sha256_of

    weights = tmp_path / "inception.pth"
    torch.save(_inception_state(monkeypatch), weights)
    extractor = get_extractor("inception", weights=str(weights))
    features = extractor(torch.rand(3, 3, 32, 32) * 2 - 1)
    assert features.shape == (3, 2048) and torch.isfinite(features).all()
    p = extractor.provenance()
    assert p["weights_sha256"] == sha256_of(weights) and p["input_size"] == 299 and "tf1" in p["resizer"]

    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pth"
    evil.write_bytes(b"")
    torch.save({"x": torch.zeros(1)}, evil)
    with open(evil, "wb") as handle:
        pickle.dump({"w": Exploit()}, handle)
    with pytest.raises(GanzooError, match="could run code"):
        get_extractor("inception", weights=str(evil))


def test_inception_offline_without_the_file_says_what_to_do(monkeypatch) -> None:
    monkeypatch.setenv("GANZOO_OFFLINE", "1")
    with pytest.raises(GanzooError, match="--features-weights FILE") as err:
        get_extractor("inception")
    assert "GANZOO_OFFLINE" in str(err.value) and "--features classifier" in str(err.value)


def test_timm_backbone_from_a_local_file(tmp_path) -> None:
    import timm
    from safetensors.torch import save_file

    torch.manual_seed(0)
    net = timm.create_model("resnet18", pretrained=False, num_classes=0)
    weights = tmp_path / "resnet18.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(weights))
    extractor = get_extractor("timm:resnet18", weights=str(weights))
    images = torch.rand(2, 1, 32, 32) * 2 - 1
    features = extractor(images)
    assert features.shape == (2, 512) and extractor.input_size == 224
    # by hand: grey to RGB, resize to 224, [0, 1], ImageNet normalisation, the same weights
    x = torch.nn.functional.interpolate(images.expand(-1, 3, -1, -1), size=224, mode="bilinear", antialias=True)
    x = ((x + 1) / 2 - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        assert torch.allclose(features.float(), net.eval()(x), atol=1e-4)
    assert extractor.provenance()["weights_sha256"] != ""
    with pytest.raises(GanzooError, match="Did you mean"):
        get_extractor("timm:resnet181")
    with pytest.raises(GanzooError, match="timm:resnet18"):
        get_extractor("timm")
    with pytest.raises(GanzooError, match="HF_HUB_OFFLINE|--features-weights"):
        get_extractor("timm:resnet18")  # no network in tests: a clear message, fast


def test_folder_data_is_not_cached_and_the_classifier_says_what_to_use(tmp_path) -> None:
    from PIL import Image

    import ganzoo.data as gdata
    from ganzoo.services.evaluation import Evaluator

    for i in range(4):
        Image.new("RGB", (32, 32), (60 * i, 0, 0)).save(tmp_path / f"{i}.png")
    folder = gdata.load(tmp_path, image_size=32)
    assert not Evaluator(folder, "images", "unconditional")._cacheable()
    with pytest.raises(GanzooError, match="inception or timm"):
        get_extractor("classifier", folder)
