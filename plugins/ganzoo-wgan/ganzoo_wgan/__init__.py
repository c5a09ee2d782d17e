"""Wasserstein GANs (clipping and gradient penalty) as a ganzoo plugin."""
