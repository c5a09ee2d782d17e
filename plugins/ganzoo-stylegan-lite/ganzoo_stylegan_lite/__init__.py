"""StyleGAN-lite: a small StyleGAN2 in pure PyTorch, as a ganzoo plugin."""
