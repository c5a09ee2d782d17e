"""The files ganzoo writes and reads back: checkpoints (the file format), pretrained weights
(resolve, verify, cache, download), rebuilding a model from any of them, and sample pictures."""
