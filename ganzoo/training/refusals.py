"""Every refusal a run can get before any data is prepared, in one place, so that the
Trainer, the ``--nproc`` launcher and ``ganzoo compare`` refuse alike: the model against
the kind of data named (a registered dataset's kind, or a folder's layout; nothing is drawn
or decoded), ``--augment`` against both, and the nets built once on a stand-in at the
asked image size."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ganzoo.data import check_compatible, kind_of
from ganzoo.nn.build import check_before_data
from ganzoo.registry import ModelSpec


def refuse_before_data(spec: ModelSpec, config: Mapping[str, Any], data: str | Path, registry: Any) -> str:
    """Raise a GanzooError for what needs no data to refuse; returns the data's kind."""
    data_kind = kind_of(data, registry)
    check_compatible(spec, data_kind, str(data), registry)
    check_before_data(spec, config, data_kind)
    return data_kind
