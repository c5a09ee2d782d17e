"""Built-in datasets, registered through the same hook third-party plugins use."""

from __future__ import annotations

from ganzoo.hookspecs import hookimpl
from ganzoo.registry import DatasetSpec

_D = "ganzoo.data"


@hookimpl
def ganzoo_register_datasets(register) -> None:  # noqa: ANN001
    register(DatasetSpec(
        name="ring", kind_of_data="points-2d", builder=f"{_D}.points:build_ring", size=50_000,
        source="procedural",
        summary="8 Gaussians on a circle (radius 1, std 0.01): the mode-collapse benchmark.",
        options={"radius": 1.0, "std": 0.01},
    ))
    register(DatasetSpec(
        name="grid", kind_of_data="points-2d", builder=f"{_D}.points:build_grid", size=50_000,
        source="procedural",
        summary="25 Gaussians on a 5x5 grid at {-4,-2,0,2,4}^2 (std 0.05).",
        options={"spacing": 2.0, "std": 0.05},
    ))
    register(DatasetSpec(
        name="shapes", kind_of_data="labelled-images", builder=f"{_D}.shapes:build_shapes", size=20_000,
        source="procedural",
        summary="6 classes of coloured shapes, random pose and colour, plain or noisy backgrounds; 32 px (64 available).",
    ))
    register(DatasetSpec(
        name="sketches2photos", kind_of_data="unpaired-images", builder=f"{_D}.sketches:build_sketches2photos",
        size=2_000, source="procedural",
        summary="Unpaired pencil sketches (A) and shaded photos (B) of 6 object classes; 64 px.",
    ))
    register(DatasetSpec(
        name="digits", kind_of_data="labelled-images", builder=f"{_D}.digits:build_digits", size=1_797,
        source="scikit-learn (bundled)",
        summary="scikit-learn's 8x8 handwritten digits, upscaled to 32 px; real data, offline.",
    ))
    for name, size, summary in (
        ("mnist", 60_000, "Handwritten digits, 28 px greyscale (resized to 32)."),
        ("fashion-mnist", 60_000, "Zalando clothing images, 28 px greyscale (resized to 32)."),
        ("cifar10", 50_000, "Tiny colour photos of 10 classes, 32 px."),
    ):
        register(DatasetSpec(
            name=name, kind_of_data="labelled-images", size=size, offline=False, source="torchvision (download)",
            builder=f"{_D}.torchvision_sets:build_{name.replace('-', '_')}", summary=summary,
        ))
