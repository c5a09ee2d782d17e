"""Resize and channel conversion for in-memory uint8 image tensors."""

from __future__ import annotations

import torch
import torch.nn.functional as F

CHUNK = 4096
LUMA = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)  # ITU-R 601, as PIL's convert("L")


def resize_uint8(images: torch.Tensor, size: int) -> torch.Tensor:
    """Resize (N, C, H, W) uint8 to a square ``size``: centre-crop to square, then
    antialiased bilinear resampling."""
    n, c, h, w = images.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    images = images[:, :, top : top + side, left : left + side]
    if side == size:
        return images.contiguous()
    out = []
    for start in range(0, n, CHUNK):
        chunk = images[start : start + CHUNK].float()
        chunk = F.interpolate(chunk, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
        out.append(chunk.round_().clamp_(0, 255).to(torch.uint8))
    return torch.cat(out)


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """(N, C, H, W) uint8 to ``channels`` (1 or 3): luma for grey, replication for colour."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, not {channels}")
    have = images.shape[1]
    if have == channels:
        return images
    if have == 1:
        return images.expand(-1, 3, -1, -1).contiguous()
    grey = (images[:, :3].float() * LUMA).sum(dim=1, keepdim=True)
    return grey.round_().clamp_(0, 255).to(torch.uint8)
