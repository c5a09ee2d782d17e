"""A figure stated in two places has one source: the weights page quotes each shipped file's
figures exactly as its plugin's weights manifest records them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ganzoo.host import get_host

WEIGHTS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "weights.md"


def quoted(metrics: dict) -> str:
    """How the weights page words a manifest's metrics."""
    if "modes_covered" in metrics:
        return (f"{metrics['modes_covered']}/{metrics['modes_total']} modes, "
                f"{metrics['high_quality'] * 100:.1f} % high quality")
    if "fd_a2b" in metrics:
        return (f"FD to target A→B {metrics['fd_a2b']:.1f} / B→A {metrics['fd_b2a']:.1f} (domain gap "
                f"{metrics['fd_domains']:.0f}); cycle L1 {metrics['cycle_l1_a']:.3f} / {metrics['cycle_l1_b']:.3f}; "
                f"judged the target domain {metrics['a2b_as_b'] * 100:.0f} % / {metrics['b2a_as_a'] * 100:.0f} %")
    text = (f"FID {metrics['fid']:.1f}, KID {metrics['kid']:.0f}, precision {metrics['precision']:.2f}, "
            f"recall {metrics['recall']:.2f}")
    return text + (f", label accuracy {metrics['label_accuracy'] * 100:.1f} %" if "label_accuracy" in metrics else "")


SHIPPED = [w for w in get_host().registry.weights if w.plugin.startswith("ganzoo-") and w.metrics]


@pytest.mark.parametrize("weights", SHIPPED, ids=[f"{w.model}.{w.tag}" for w in SHIPPED])
def test_the_weights_page_quotes_the_manifest(weights) -> None:
    rows = [line for line in WEIGHTS_PAGE.read_text().splitlines() if line.startswith(f"| `{weights.model}.{weights.tag}` |")]
    assert len(rows) == 1, f"docs/weights.md needs one table row for {weights.model}.{weights.tag}"
    assert quoted(dict(weights.metrics)) in rows[0], (quoted(dict(weights.metrics)), rows[0])
    size = re.search(r"\| ([\d,]+) KB", rows[0])
    assert size and int(size.group(1).replace(",", "")) == round(weights.size / 1024), (weights.size, rows[0])
