"""The files runs leave and ganzoo reads back: checkpoints (the file format), pretrained weights
(``name.tag``: resolve, verify, cache; fetched through ``ganzoo.io.download``), and rebuilding a
model from any of them to sample or translate with."""
