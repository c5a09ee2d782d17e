"""The shipped DCGAN weights: intact, honest about their metrics, and far better than initialisation."""

import torch

from ganzoo.testing import (assert_metrics_reproduce, build_model, frechet_distance, load_model, real_images,
                            shipped_weights)


def test_shapes_weights_meet_the_learning_bar() -> None:
    (spec, _), = shipped_weights("dcgan")
    scores = assert_metrics_reproduce(spec)
    # distances from the first 10,000 training images, ganzoo eval's reference
    real_vs_real = frechet_distance(real_images("shapes", 2_000, "test"), "shapes")
    loaded = load_model("dcgan.shapes")
    torch.manual_seed(loaded.meta["config"]["seed"])
    untrained = build_model("dcgan", loaded.meta["config"], loaded.data_info).G.eval()
    with torch.no_grad():
        initial = frechet_distance(untrained(torch.randn(2_000, 100, generator=torch.Generator().manual_seed(0))),
                                   "shapes")
    # measured: 1,808 untrained -> 52.0 for the file (35x), 27x this reference's real-vs-real (1.96);
    # the file before it (the long preset without the code) was at 81.3, and the one before that
    # (3,000 default steps) at 170.0, 90x, which fails this bar
    assert initial / scores["fid"] >= 15 and scores["fid"] <= 60 * real_vs_real, (initial, scores["fid"], real_vs_real)
