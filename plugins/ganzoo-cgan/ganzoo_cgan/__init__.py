"""Conditional GAN (Mirza & Osindero 2014) as a ganzoo plugin."""
