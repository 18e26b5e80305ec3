"""How a sweep varies a rule, for the kinds that do not say otherwise: the rule's distances, band distances and
edges, buffers, a scale factor over all of them, and a threshold (``value`` option).  A kind with other numbers
gives its own :attr:`~smr_siting.core.rules.base.CriterionKind.sweep_targets` and
:attr:`~smr_siting.core.rules.base.CriterionKind.vary`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..model.errors import SmrSitingError
from ..model.i18n import _
from ..model.profile import Band, Criterion, Distance, Source


@dataclass(frozen=True)
class SweepTarget:
    """A resolved sweep target: which number of which rule and source."""

    text: str
    kind: str            # footprint | rule | distance | buffer | scale | band_distance | band_from | threshold | own
    rule: str = ""
    layer: str = ""
    band: int = 0        # 1-based
    unit: str = ""


def distance_targets(criterion: Criterion, buffers: bool = False) -> list[str]:
    """The sweep targets of a rule's distances, bands (and, with ``buffers``, buffers), its scale and its
    threshold: what every kind offers unless it says otherwise (:attr:`CriterionKind.sweep_targets`)."""
    out = []
    if single_distance(criterion, buffers) is not None:
        out.append(criterion.id)
    varies = False
    for source in criterion.sources:
        base = f"{criterion.id}.{source.layer}"
        if source.distance is not None and source.distance.is_constant:
            out.append(f"{base}.distance")
            varies = True
        elif source.distance is not None:
            for i, _band in enumerate(source.distance.bands, start=1):
                out.append(f"{base}.band{i}.distance")
                if i > 1:
                    out.append(f"{base}.band{i}.from")
            varies = True
        elif buffers:
            out.append(f"{base}.buffer")
            varies = True
    if varies:
        out.append(f"{criterion.id}.scale")
    if "value" in criterion.options:
        out.append(f"{criterion.id}.threshold")
    return out


def single_distance(criterion: Criterion, buffers: bool = False) -> str | None:
    """'distance' or 'buffer' when a bare RULE sweep is unambiguous, else None."""
    if buffers and all(s.distance is None for s in criterion.sources):
        return "buffer" if len({s.buffer_m for s in criterion.sources}) == 1 else None
    distances = [s.distance for s in criterion.sources if s.distance is not None]
    if not distances or len(distances) != len(criterion.sources):
        return None
    if all(d.is_constant for d in distances) and len({d.metres for d in distances}) == 1:
        return "distance"
    return None


def vary_numbers(criterion: Criterion, sweep: SweepTarget, value: float) -> Criterion:
    """The rule with the number a sweep names set to ``value``: what every kind does unless it says otherwise
    (:attr:`CriterionKind.vary`)."""
    if sweep.kind == "threshold":
        return dataclasses.replace(criterion, options={**criterion.options, "value": float(value)})
    sources = tuple(_changed_source(criterion, s, sweep, value) for s in criterion.sources)
    return dataclasses.replace(criterion, sources=sources)


def _changed_source(criterion: Criterion, source: Source, sweep: SweepTarget, value: float) -> Source:
    if sweep.kind == "scale":
        distance = source.distance
        if distance is not None:
            distance = (Distance(metres=distance.metres * value) if distance.is_constant else
                        dataclasses.replace(distance, bands=tuple(dataclasses.replace(b, metres=b.metres * value)
                                                                  for b in distance.bands)))
        return dataclasses.replace(source, distance=distance, buffer_m=source.buffer_m * value)
    if sweep.kind == "rule":
        if source.distance is not None:
            return dataclasses.replace(source, distance=Distance(metres=value))
        return dataclasses.replace(source, buffer_m=value)
    if source.layer != sweep.layer:
        return source
    if sweep.kind == "distance":
        return dataclasses.replace(source, distance=Distance(metres=value))
    if sweep.kind == "buffer":
        return dataclasses.replace(source, buffer_m=value)
    assert source.distance is not None
    bands = list(source.distance.bands)
    i = sweep.band - 1
    if sweep.kind == "band_distance":
        bands[i] = dataclasses.replace(bands[i], metres=value)
    else:  # band_from: the edge between band N-1 and band N
        low = bands[i - 1].lower
        high = bands[i].upper
        if not (value > low and (high is None or value < high)):
            raise SmrSitingError(
                _("--sweep {target}={value:g} does not lie between the neighbouring band edges {low:g} and "
                  "{high}").format(target=sweep.text, value=value, low=low, high="∞" if high is None else f"{high:g}"),
                _("Give values that keep the bands in order"))
        bands[i - 1] = Band(bands[i - 1].lower, value, bands[i - 1].metres)
        bands[i] = Band(value, bands[i].upper, bands[i].metres)
    return dataclasses.replace(source, distance=dataclasses.replace(source.distance, bands=tuple(bands)))
