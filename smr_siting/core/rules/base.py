"""What every criterion kind provides.  One module per kind lives beside this file.

A kind module defines ``KIND = CriterionKind(...)``; the registry finds it by itself,
so a new kind is one file (plus its test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    from ..config.yamlpos import LineDict
    from ..data.layers import LayerStore
    from ..model.grid import Grid
    from ..model.profile import Criterion
    from ..model.progress import RunContext

Evaluate = Callable[["Criterion", "Grid", "LayerStore", "RunContext"], np.ndarray]
ParseOptions = Callable[["LineDict", str], Mapping[str, Any]]


def _no_options(raw: LineDict, where: str) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class CriterionKind:
    """A kind of rule: how it is written in a profile and how it becomes an exclusion mask.

    ``evaluate`` returns a boolean array on the grid: True where the rule excludes the cell.
    """

    name: str
    summary: str
    evaluate: Evaluate
    #: keys a criterion of this kind may carry beyond the common ones
    criterion_keys: frozenset[str] = frozenset()
    #: keys each entry of ``layers:`` may carry beyond ``layer`` and ``where``
    source_keys: frozenset[str] = frozenset()
    #: source keys that must be present
    required_source_keys: frozenset[str] = frozenset()
    parse_options: ParseOptions = _no_options
    #: 'vector', 'raster' or 'any'
    layer_type: str = "vector"
    examples: tuple[str, ...] = field(default_factory=tuple)
