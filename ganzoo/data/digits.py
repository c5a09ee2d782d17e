"""``digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 images, 10 classes).

Real data that ships inside a package, so it works offline. Upscaled (default 32 px)
with antialiased bilinear resampling. The train/test split is fixed (it does not
depend on the seed), so a test image never leaks into training.
"""

from __future__ import annotations

import torch

from ganzoo.data.base import GanData, ImageTensorDataset
from ganzoo.data.transforms import resize_uint8

TEST_SIZE = 297
SPLIT_SEED = 20_240_101


def build_digits(*, image_size: int | None = None, **_: object) -> GanData:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    raw = torch.from_numpy(bunch.images).float()  # (1797, 8, 8), values 0..16
    images = (raw / 16 * 255).round().to(torch.uint8).unsqueeze(1)
    images = resize_uint8(images, image_size or 32)
    labels = torch.from_numpy(bunch.target).long()
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(SPLIT_SEED))
    test, train = order[:TEST_SIZE], order[TEST_SIZE:]
    return GanData(
        name="digits",
        kind="labelled-images",
        train=ImageTensorDataset(images[train], labels[train]),
        test=ImageTensorDataset(images[test], labels[test]),
        image_size=image_size or 32,
        channels=1,
        class_names=tuple(str(d) for d in range(10)),
    )
