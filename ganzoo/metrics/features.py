"""Feature networks for FID-style scores, and what each one records about itself.

Public GAN libraries disagree on FID because they differ in the feature net, its
weights, the resizer and the input range. A ``FeatureExtractor`` owns all of that:
it takes images the way ganzoo makes them ((N, C, H, W) floats in [-1, 1], any
size, 1 or 3 channels), converts them for its network, and says exactly how in
``provenance()``, which every score carries.

Built in (registered in ``ganzoo.builtin.features``):

- ``classifier``: the small CNN ``ganzoo.metrics.classifier`` trains once on the
  evaluation dataset's real training split (a domain classifier for unpaired
  sets) and caches. Fully offline; scores are comparable between ganzoo runs on
  the same dataset, not with published FIDs.
- ``inception``: the TF-ported Inception-v3 of the original FID (through
  torch-fidelity, as torchmetrics uses it), 2048-d pool features, bilinear resize
  to 299 px as TensorFlow 1.x did. Its weights come from the cache, a download,
  or a local file the user names; they are loaded with ``weights_only=True``.
- ``timm:<model>``: any timm backbone's pooled features at its own input size and
  normalisation, its pretrained weights from the Hugging Face cache (respecting
  ``HF_HUB_OFFLINE``) or a local file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

import ganzoo.data as gdata
from ganzoo.errors import GanzooError
from ganzoo.files import load_pt
from ganzoo.host import get_host
from ganzoo.io import download
from ganzoo.io.download import sha256_of
from ganzoo.metrics.classifier import SmallClassifier, get_classifier
from ganzoo.metrics.translation import domain_classifier
from ganzoo.paths import home
from ganzoo.registry import load_builder

BATCH = 250


class FeatureExtractor(nn.Module):
    """Images in [-1, 1] -> (N, D) float64 features; subclasses set the fields below."""

    name: str = ""
    input_size: int = 0  # the square size images are resized to (0: left as they are)
    resizer: str = "none"  # how: e.g. "bilinear, antialias" or "tf1-bilinear"
    weights_sha256: str = ""  # the hash of the weights file the network was loaded from ("" if built)
    weights_source: str = ""  # where those weights came from
    dim: int = 0

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """Convert ganzoo images for this network (channels, size, range)."""
        raise NotImplementedError

    def embed(self, prepared: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @torch.no_grad()
    def forward(self, images: torch.Tensor, batch: int = BATCH) -> torch.Tensor:
        if images.dim() != 4:
            raise GanzooError(f"feature extractor {self.name!r} needs images (N, C, H, W), got {tuple(images.shape)}")
        out = [self.embed(self.prepare(images[i : i + batch].float())).double().cpu()
               for i in range(0, len(images), batch)]
        return torch.cat(out) if out else torch.zeros(0, self.dim, dtype=torch.float64)

    def provenance(self) -> dict[str, Any]:
        return {"features": self.name, "feature_dim": self.dim, "input_size": self.input_size,
                "resizer": self.resizer, "weights_sha256": self.weights_sha256, "weights_source": self.weights_source}


def to_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """Grey to colour by repeating the channel; colour to grey by the mean (ITU weights are no better here)."""
    if images.shape[1] == channels:
        return images
    if images.shape[1] == 1:
        return images.expand(-1, channels, -1, -1)
    if channels == 1:
        return images.mean(1, keepdim=True)
    raise GanzooError(f"cannot feed {images.shape[1]}-channel images to a {channels}-channel feature network.")


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return nn.functional.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


def state_dict_sha256(state: dict[str, torch.Tensor]) -> str:
    """A hash of weights that were not read from one file (e.g. a cached classifier)."""
    digest = hashlib.sha256()
    for key in sorted(state):
        digest.update(key.encode())
        digest.update(state[key].detach().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Weights from a safetensors file, or a ``.pt``/``.pth`` read with ``weights_only=True``."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise GanzooError(f"weights file {str(path)!r} does not exist.")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(path)
    state = load_pt(path)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise GanzooError(f"{str(path)!r} does not hold a state dict of tensors.")
    return state


# -- classifier ------------------------------------------------------------------------------
class ClassifierFeatures(FeatureExtractor):
    """The penultimate (128-d) features of ganzoo's cached small classifier for ``dataset``."""

    resizer = "bilinear, antialias"

    def __init__(self, net: nn.Module, dataset: str, image_size: int, channels: int, trained_on: str) -> None:
        super().__init__()
        self.net = net.eval()
        self.channels = channels
        self.name = f"classifier:{dataset}"
        self.input_size = image_size
        self.dim = 128
        self.weights_sha256 = state_dict_sha256(net.state_dict())
        self.weights_source = trained_on

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        return resize(to_channels(images, self.channels), self.input_size)

    def embed(self, prepared: torch.Tensor) -> torch.Tensor:
        return self.net.features(prepared)


def build_classifier(argument: str | None, data: Any, weights: str | None = None) -> ClassifierFeatures:
    """``classifier`` (the evaluation dataset's) or ``classifier:<built-in labelled dataset>``."""
    if weights:
        raise GanzooError("the classifier extractor trains its own weights; --features-weights is for "
                          "inception and timm:<model>.")
    if argument:
        data = gdata.load(argument, image_size=getattr(data, "image_size", None))
    if data is None:
        raise GanzooError("the classifier extractor needs a dataset: pass --data, or --features classifier:shapes.")
    if "path" in data.info:
        raise GanzooError(f"the classifier extractor is trained on built-in datasets, and {data.name!r} is a folder "
                          f"({data.info['path']}). Use --features inception or timm:<model> for your own images.")
    if data.kind == "labelled-images":
        net: SmallClassifier = get_classifier(data.name, data.image_size, data.channels)
        how = f"ganzoo SmallClassifier trained on {data.name} (train split, {data.image_size} px)"
    elif data.kind == "unpaired-images":
        net = domain_classifier(data)
        how = f"ganzoo domain classifier (A vs B) trained on {data.name} (train split, {data.image_size} px)"
    else:
        raise GanzooError(
            f"the classifier extractor needs a labelled built-in dataset, and {data.name!r} is {data.kind}. "
            "Use --features classifier:shapes (or :digits), inception, or timm:<model>.")
    return ClassifierFeatures(net, data.name, data.image_size, data.channels, how)


# -- inception -------------------------------------------------------------------------------
INCEPTION_URL = ("https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/"
                 "weights-inception-2015-12-05-6726825d.pth")
#: The publisher names only the first 8 hex digits of the file's sha256 (torch.hub's convention).
INCEPTION_SHA256_PREFIX = "6726825d"
INCEPTION_FILE = "weights-inception-2015-12-05-6726825d.pth"


@contextlib.contextmanager
def _weights_only_loading() -> Iterator[None]:
    """Make every ``torch.load`` inside weights-only, even one that asks for full unpickling
    (torch-fidelity reads the weights file with ``weights_only=False``)."""
    old = os.environ.get("TORCH_FORCE_WEIGHTS_ONLY_LOAD")
    os.environ["TORCH_FORCE_WEIGHTS_ONLY_LOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ["TORCH_FORCE_WEIGHTS_ONLY_LOAD"]
        else:
            os.environ["TORCH_FORCE_WEIGHTS_ONLY_LOAD"] = old


class InceptionFeatures(FeatureExtractor):
    """FID's Inception-v3 (pool3, 2048-d) with torch-fidelity's TF1-compatible resize to 299 px."""

    name = "inception"
    input_size = 299
    resizer = "tf1-bilinear (torch-fidelity), uint8 quantised"
    dim = 2048

    def __init__(self, weights_path: Path, source: str) -> None:
        super().__init__()
        try:
            from torchmetrics.image.fid import NoTrainInceptionV3
        except ImportError as exc:  # pragma: no cover - torch-fidelity is a dependency
            raise GanzooError("the inception extractor needs torch-fidelity: pip install torch-fidelity") from exc
        self.weights_sha256 = sha256_of(weights_path)
        self.weights_source = source
        read_state_dict(weights_path)  # refuse a file that is not plain tensors with ganzoo's own message
        with _weights_only_loading():
            self.net = NoTrainInceptionV3("inception-v3-compat", ["2048"], str(weights_path))

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        # FID is defined on 8-bit images: quantise exactly as saving a PNG would
        rgb = to_channels(images, 3)
        return ((rgb.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)

    def embed(self, prepared: torch.Tensor) -> torch.Tensor:
        return self.net(prepared)


def inception_weights(weights: str | None) -> tuple[Path, str]:
    """The Inception weights file: the user's, the cached one, or a verified download."""
    if weights:
        return Path(weights).expanduser(), f"local file {weights}"
    cached = home() / "features" / INCEPTION_FILE
    if cached.is_file():
        return cached, f"cache ({INCEPTION_URL})"
    try:
        download.fetch([INCEPTION_URL], cached, sha256_prefix=INCEPTION_SHA256_PREFIX, what="FID Inception weights")
    except download.DownloadError as exc:
        raise GanzooError(
            f"{exc}\nThe inception extractor needs FID's Inception weights (91 MB). Download "
            f"{INCEPTION_URL} on a machine with network access and pass it with --features-weights FILE "
            f"(or copy it to {cached}); or score offline with --features classifier.") from None
    return cached, f"download ({INCEPTION_URL})"


def build_inception(argument: str | None, data: Any, weights: str | None = None) -> InceptionFeatures:
    path, source = inception_weights(weights)
    return InceptionFeatures(path, source)


# -- timm ------------------------------------------------------------------------------------
class TimmFeatures(FeatureExtractor):
    """A timm backbone's pooled features (``num_classes=0``), at its pretrained input size and normalisation."""

    resizer = "bilinear, antialias"

    def __init__(self, model_name: str, weights: str | None) -> None:
        super().__init__()
        import timm

        if model_name not in timm.list_models(pretrained=False):
            import difflib

            close = difflib.get_close_matches(model_name, timm.list_models(), n=3)
            raise GanzooError(f"timm has no model {model_name!r}." + (f" Did you mean: {', '.join(close)}?" if close else ""))
        try:
            if weights:
                path = Path(weights).expanduser()
                state = read_state_dict(path)
                net = timm.create_model(model_name, pretrained=False, num_classes=0)
                missing, _ = net.load_state_dict(state, strict=False)
                if missing:
                    raise GanzooError(f"{weights!r} does not fit timm model {model_name!r}: missing {missing[:3]}...")
                self.weights_sha256, self.weights_source = sha256_of(path), f"local file {weights}"
            else:
                net = timm.create_model(model_name, pretrained=True, num_classes=0)
                cfg = net.pretrained_cfg or {}
                self.weights_source = f"timm pretrained ({cfg.get('hf_hub_id') or cfg.get('url') or 'default'})"
                self.weights_sha256 = state_dict_sha256(net.state_dict())
        except GanzooError:
            raise
        except Exception as exc:
            offline = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("GANZOO_OFFLINE")
            raise GanzooError(
                f"could not get pretrained weights for timm model {model_name!r}"
                + (" (HF_HUB_OFFLINE is set)" if offline else "") + f": {str(exc).splitlines()[0]}\n"
                "Download them where there is network access, or pass a local file with --features-weights FILE "
                "(safetensors or a plain state dict); or score offline with --features classifier.") from None
        config = timm.data.resolve_data_config({}, model=net)
        self.net = net.eval()
        self.name = f"timm:{model_name}"
        self.input_size = int(config["input_size"][-1])
        self.channels = int(config["input_size"][0])
        self.register_buffer("mean", torch.tensor(config["mean"]).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(config["std"]).view(1, -1, 1, 1))
        self.dim = int(net.num_features)

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        unit = (resize(to_channels(images, self.channels), self.input_size).clamp(-1, 1) + 1) / 2
        return (unit - self.mean) / self.std

    def embed(self, prepared: torch.Tensor) -> torch.Tensor:
        return self.net(prepared)


def build_timm(argument: str | None, data: Any, weights: str | None = None) -> TimmFeatures:
    if not argument:
        raise GanzooError("name the timm backbone after a colon: --features timm:resnet18 (timm.list_models() "
                          "lists them).")
    return TimmFeatures(argument, weights)


# -- lookup ----------------------------------------------------------------------------------
def get_extractor(name: str, data: Any = None, weights: str | None = None, host: Any = None) -> FeatureExtractor:
    """Build the extractor registered as ``name`` (``timm:<model>`` style names included)."""
    spec, argument = (host or get_host()).registry.get_features(name)
    extractor = load_builder(spec.builder)(argument, data, weights)
    if not isinstance(extractor, FeatureExtractor):
        raise GanzooError(f"feature extractor {name!r} (plugin {spec.plugin}) built a {type(extractor).__name__}, "
                          "not a ganzoo.metrics.features.FeatureExtractor.")
    return extractor.eval()
