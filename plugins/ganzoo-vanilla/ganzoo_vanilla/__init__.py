"""The original GAN (Goodfellow et al. 2014) as a ganzoo plugin."""
