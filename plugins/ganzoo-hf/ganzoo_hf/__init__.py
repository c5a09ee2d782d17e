"""hf:// weights for ganzoo: download through the Hugging Face Hub's cache, push with a model card."""
