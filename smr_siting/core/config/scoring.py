"""The ``scoring:`` section of a profile: scoring criteria, standardisation, weights, aggregation."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from ..model.errors import ProfileError
from ..model.i18n import _
from ..model.profile import Condition
from ..model.standardise import DIRECTIONS, METHODS, Standardisation
from ..model.units import parse_area, parse_length
from ..model.weights import AhpResult, ahp, normalise_weights, saaty_cr_limit
from .context import ParseContext, parse_condition, suggest
from .designs import DesignRef, parse_design_ref
from .yamlpos import LineDict, LineList, load_yaml

MEASURES = ("distance", "value", "category", "population")
AGGREGATIONS = ("wlc", "owa")
RANKINGS = ("wlc", "topsis")
SCORING_KEYS = frozenset({"aggregation", "owa_alpha", "weights", "ahp", "ranking", "criteria", "basis", "sensitivity"})
CRITERION_KEYS = frozenset({"id", "title", "title_nl", "measure", "layers", "field", "label_field", "unit",
                            "standardise", "weight", "basis", "radius"})
STANDARDISE_KEYS = frozenset({"method", "direction", "lower", "upper", "points", "control", "bands", "categories"})


@dataclass(frozen=True)
class MeasureSource:
    layer: str
    where: tuple[Condition, ...] = ()
    #: what using this source means when it is a fallback (a later alternative of a ``one_of``)
    fallback: str = ""
    #: as for a rule's source: dissolve, open away parts narrower than this, drop parts smaller than that
    min_width_m: float = 0.0
    min_area_m2: float = 0.0
    #: how a feature of this source is named in explanations, e.g. "{voltage_kv:g} kV station" ('' = label_field)
    label: str = ""


@dataclass(frozen=True)
class ScoringCriterion:
    id: str
    title: str
    title_nl: str
    measure: str
    sources: tuple[MeasureSource, ...]
    standardise: Standardisation
    field: str | None = None
    label_field: str | None = None
    unit: str = ""
    weight: float | None = None
    basis: str = ""
    #: per ``layers:`` entry its alternatives in order of authority (``one_of``); empty when there are none.
    #: Resolved, like a rule's, by :func:`smr_siting.core.data.sources.resolve_profile`.
    alternatives: tuple[tuple[MeasureSource, ...], ...] = ()
    #: measure 'population': inhabitants within this radius (metres, or a designs.DesignRef until a design is applied)
    radius: Any = None

    @property
    def layer_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.layer for s in self.sources))


@dataclass(frozen=True)
class ScoringSpec:
    criteria: tuple[ScoringCriterion, ...]
    weights: tuple[float, ...]
    weighting: str  # 'direct' or 'ahp'
    aggregation: str = "wlc"
    owa_alpha: float = 1.0
    ranking: str = "wlc"
    ahp: AhpResult | None = None
    notices: tuple[str, ...] = ()
    basis: str = ""
    max_cr: float | None = None          # None: Saaty's limit for n (see weights.saaty_cr_limit)
    on_inconsistent: str = "warn"
    concentration: float | None = None   # sensitivity: Dirichlet concentration …
    weight_spread: float | None = None   # … or the target standard deviation of the largest weight
    #: the pairwise comparison matrix the weights came from (weights: ahp), row by row; None for direct weights
    pairwise: tuple[tuple[float, ...], ...] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    @property
    def is_resolved(self) -> bool:
        return not any(c.alternatives for c in self.criteria)

    def pairwise_matrix(self) -> tuple[tuple[float, ...], ...]:
        """The profile's AHP matrix, or for direct weights the consistent matrix they imply (a_ij = w_i / w_j,
        kept within Saaty's 1/9 .. 9), whose weights are the profile's: what an AHP editor starts from."""
        if self.pairwise is not None:
            return self.pairwise

        def ratio(a: float, b: float) -> float:
            if a <= 0 and b <= 0:
                return 1.0
            if b <= 0:
                return 9.0
            return min(9.0, max(1 / 9, a / b))

        return tuple(tuple(ratio(a, b) for b in self.weights) for a in self.weights)

    def weight_of(self, criterion_id: str) -> float:
        return self.weights[self.names.index(criterion_id)]

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"aggregation": self.aggregation, "owa_alpha": self.owa_alpha, "ranking": self.ranking,
                               "weighting": self.weighting,
                               "weights": {c.id: round(w, 6) for c, w in zip(self.criteria, self.weights)}}
        if self.ahp is not None:
            out["ahp"] = {"lambda_max": round(self.ahp.lambda_max, 6),
                          "consistency_index": round(self.ahp.consistency_index, 6),
                          "random_index": self.ahp.random_index,
                          "consistency_ratio": round(self.ahp.consistency_ratio, 6),
                          "max_cr": self.max_cr, "on_inconsistent": self.on_inconsistent}
        return out


def _number(value: Any, what: str, where: str, length: bool = False) -> float:
    if length and isinstance(value, str):
        return parse_length(value, what, where)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = _("Write a number, or a length like '5 km' for distances") if length else _("Write a number")
        raise ProfileError(_("{what} {value!r} is not a number").format(what=what, value=value), hint, where)
    return float(value)


def _fraction(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ProfileError(_("AHP judgement {value!r} is not a number").format(value=value),
                           _("Use 1/9 .. 9, e.g. 3 or 1/3"), where)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(Fraction(str(value).strip()))
    except (ValueError, ZeroDivisionError):
        raise ProfileError(_("AHP judgement {value!r} is not a number").format(value=value),
                           _("Use 1/9 .. 9, e.g. 3 or 1/3"), where) from None


def _parse_standardise(raw: Any, ctx: ParseContext, parent: LineDict, label: str, measure: str) -> Standardisation:
    if not isinstance(raw, LineDict):
        raise ProfileError(_("'standardise' is missing or not a mapping"),
                           _("Add e.g. 'standardise: {method: linear, points: [[0 km, 1], [10 km, 0]]}'"),
                           ctx.at(parent, "standardise" if "standardise" in parent else None, label))
    slabel = label + ".standardise"
    ctx.check_keys(raw, STANDARDISE_KEYS, slabel)
    method = str(raw.get("method", "linear"))
    if method not in METHODS:
        hint = suggest(method, METHODS)
        raise ProfileError(_("unknown standardisation {method!r}").format(method=method), (hint + " " if hint else "")
                           + _("Use one of: {choices}").format(choices=", ".join(METHODS)), ctx.at(raw, "method", slabel))
    direction = str(raw.get("direction", "benefit"))
    if direction not in DIRECTIONS:
        raise ProfileError(_("unknown direction {direction!r}").format(direction=direction),
                           _("Use 'benefit' (more is better) or 'cost' (less is better)"),
                           ctx.at(raw, "direction", slabel))
    is_length = measure == "distance"
    where = ctx.at(raw, None, slabel)
    if direction == "cost" and (method in ("bands", "categories") or raw.get("points") is not None):
        what = method if method != "linear" else "points"  # the profile's own key, not prose
        raise ProfileError(_("'direction: cost' has no effect with {what}: the scores are given there").format(
                               what=what),
                           _("Remove 'direction' and write the scores you want (low for the worse values)"),
                           ctx.at(raw, "direction", slabel))
    if method == "linear":
        points_raw = raw.get("points")
        if points_raw is not None:
            if not isinstance(points_raw, list) or len(points_raw) < 2:
                raise ProfileError(_("'points' needs at least two [value, score] pairs"),
                                   _("Write [[0 km, 1], [10 km, 0]]"), where)
            points = []
            for pair in points_raw:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ProfileError(_("control point {pair!r} is not a [value, score] pair").format(pair=pair),
                                       _("Write [[0 km, 1], [10 km, 0]]"), where)
                x = _number(pair[0], _("control value"), where, is_length)
                y = _number(pair[1], _("control score"), where)
                if not 0.0 <= y <= 1.0:
                    raise ProfileError(_("control score {score:g} is outside 0..1").format(score=y),
                                       _("Scores run from 0 to 1"), where)
                points.append((x, y))
            xs = [p[0] for p in points]
            if any(b <= a for a, b in zip(xs, xs[1:])):
                raise ProfileError(_("control points must have increasing values"), _("Sort them by value"), where)
            return Standardisation("linear", direction, points=tuple(points))
        lower = _number(raw["lower"], "lower", where, is_length) if "lower" in raw else None
        upper = _number(raw["upper"], "upper", where, is_length) if "upper" in raw else None
        if lower is not None and upper is not None and upper <= lower:
            raise ProfileError(_("'upper' ({upper:g}) must be larger than 'lower' ({lower:g})").format(
                upper=upper, lower=lower), _("Use 'direction: cost' to score low values high"), where)
        return Standardisation("linear", direction, lower=lower, upper=upper)
    if method == "sigmoid":
        control = raw.get("control")
        if not isinstance(control, list) or len(control) not in (2, 4):
            raise ProfileError(_("a sigmoid needs 'control' with 2 values (a, b: rising) or 4 (a, b, c, d: rising "
                                 "then falling)"), _("Write e.g. 'control: [1 km, 5 km]'"), where)
        values = tuple(_number(v, _("control value"), where, is_length) for v in control)
        if any(b <= a for a, b in zip(values, values[1:])):
            raise ProfileError(_("sigmoid control values must increase"), _("Sort them: a < b (< c < d)"), where)
        return Standardisation("sigmoid", direction, control=values)
    if method == "bands":
        bands_raw = raw.get("bands")
        if not isinstance(bands_raw, list) or not bands_raw:
            raise ProfileError(_("'bands' is missing"),
                               _("Write '- {to: 2 km, score: 1}' lines, the last without 'to'"), where)
        bands = []
        for band in bands_raw:
            if not isinstance(band, dict) or "score" not in band:
                raise ProfileError(_("band {band!r} needs a 'score'").format(band=band),
                                   _("Write '- {to: 2 km, score: 1}'"), where)
            upper = _number(band["to"], _("band bound"), where, is_length) if band.get("to") is not None else None
            score = _number(band["score"], _("band score"), where)
            if not 0.0 <= score <= 1.0:
                raise ProfileError(_("band score {score:g} is outside 0..1").format(score=score),
                                   _("Scores run from 0 to 1"), where)
            if bands and (bands[-1][0] is None or (upper is not None and upper <= bands[-1][0])):
                raise ProfileError(_("band 'to' values must increase, and only the last band may leave 'to' out"),
                                   _("Order the bands from the smallest 'to' to the largest"), where)
            bands.append((upper, score))
        return Standardisation("bands", direction, bands=tuple(bands))
    categories = raw.get("categories")
    if not isinstance(categories, dict) or not categories:
        raise ProfileError(_("'categories' is missing"), _("Write 'categories: {industrial: 1, agricultural: 0.5}'"),
                           where)
    scores = {str(k): _number(v, _("category score"), where) for k, v in categories.items()}
    return Standardisation("categories", direction, categories=scores)


def _parse_criterion(raw: Any, ctx: ParseContext, criteria: LineList, index: int, layer_ids: set[str] | None,
                     seen: set[str]) -> ScoringCriterion:
    label = f"scoring.criteria[{index}]"
    if not isinstance(raw, LineDict):
        raise ProfileError(_("each scoring criterion must be a mapping"), _("Start it with '- id: ...'"),
                           f"{ctx.source}:{criteria.item_lines[index]} {label}")
    cid = ctx.need_text(raw, "id", label)
    label = f"{label} ({cid})"
    if cid in seen:
        raise ProfileError(_("scoring criterion id {id!r} is used twice").format(id=cid), _("Give each its own id"),
                           ctx.at(raw, "id", label))
    seen.add(cid)
    ctx.check_keys(raw, CRITERION_KEYS, label)
    measure = ctx.need_text(raw, "measure", label)
    if measure not in MEASURES:
        hint = suggest(measure, MEASURES)
        raise ProfileError(_("unknown measure {measure!r}").format(measure=measure), (hint + " " if hint else "")
                           + _("Use one of: {choices}").format(choices=", ".join(MEASURES)), ctx.at(raw, "measure", label))
    layers = raw.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ProfileError(_("'layers' is missing or empty"), _("List the layers this criterion measures"),
                           ctx.at(raw, "layers" if "layers" in raw else None, label))
    entries = [_parse_entry(item, ctx, raw, label, layer_ids) for item in layers]
    sources = [entry[0] for entry in entries]
    alternatives = tuple(entries) if any(len(entry) > 1 for entry in entries) else ()
    field_name = ctx.need_text(raw, "field", label, required=False) or None
    if measure in ("value", "category") and field_name is None:
        located = [s.layer for s in sources]
        raise ProfileError(_("a '{measure}' criterion needs 'field:' naming the attribute to read from {layers} "
                             "(a raster layer needs none: give 'field: band1')").format(
                               measure=measure, layers=", ".join(located)),
                           _("Add e.g. 'field: bevolkingsdichtheid_km2'"), ctx.at(raw, None, label))
    weight = None
    if "weight" in raw:
        weight = _number(raw["weight"], "weight", ctx.at(raw, "weight", label))
    radius = None
    if measure == "population" or "radius" in raw:
        radius = parse_radius(raw, measure, field_name, ctx.at(raw, None, label))
    return ScoringCriterion(
        id=cid, title=ctx.need_text(raw, "title", label, required=False) or cid,
        title_nl=ctx.need_text(raw, "title_nl", label, required=False), measure=measure, sources=tuple(sources),
        standardise=_parse_standardise(raw.get("standardise"), ctx, raw, label, measure), field=field_name,
        label_field=ctx.need_text(raw, "label_field", label, required=False) or None,
        unit=ctx.need_text(raw, "unit", label, required=False), weight=weight,
        basis=str(raw.get("basis", "")).strip(), alternatives=alternatives, radius=radius)


def parse_radius(raw: Any, measure: str, field_name: str | None, where: str) -> float | DesignRef:
    if measure != "population":
        raise ProfileError(_("'radius' belongs to a 'population' measure, not {measure!r}").format(measure=measure),
                           _("Remove 'radius' or write 'measure: population'"), where)
    if "radius" not in raw:
        raise ProfileError(_("a 'population' measure needs 'radius'"),
                           _("Write e.g. 'radius: 10 km' or 'radius: design.sheltering_zone'"), where)
    if not field_name:
        raise ProfileError(_("a 'population' measure needs 'field:' naming the inhabitants of its layers"),
                           _("Add e.g. 'field: aantal_inwoners_2021'"), where)
    ref = parse_design_ref(raw["radius"])
    return ref if ref is not None else parse_length(raw["radius"], "radius", where, allow_zero=False)


def _parse_measure_source(item: Any, ctx: ParseContext, raw: LineDict, label: str,
                          layer_ids: set[str] | None) -> MeasureSource:
    node = item if isinstance(item, LineDict) else None
    layer = item if isinstance(item, str) else (node.get("layer") if node is not None else None)
    if not isinstance(layer, str):
        raise ProfileError(_("each layer entry needs 'layer:'"), _("Write '- layer: hv_substations'"),
                           ctx.at(raw, "layers", label))
    if layer_ids is not None and layer not in layer_ids:
        hint = suggest(layer, layer_ids)
        raise ProfileError(_("unknown layer id {layer!r}").format(layer=layer),
                           (hint[0].upper() + hint[1:] + " " if hint else "") + _("Use an id from the layer catalogue"),
                           ctx.at(raw, "layers", label))
    where: tuple[Condition, ...] = ()
    fallback = ""
    min_width = min_area = 0.0
    if node is not None:
        ctx.check_keys(node, frozenset({"layer", "where", "fallback", "min_width", "min_area", "label"}),
                       label + ".layers")
        where_raw = node.get("where", [])
        where_raw = [where_raw] if isinstance(where_raw, LineDict) else where_raw
        where = tuple(parse_condition(c, ctx, node, label) for c in where_raw)
        fallback = ctx.need_text(node, "fallback", label + ".layers", required=False)
        if "min_width" in node:
            min_width = parse_length(node["min_width"], "min_width", ctx.at(node, "min_width", label + ".min_width"))
        if "min_area" in node:
            min_area = parse_area(node["min_area"], "min_area", ctx.at(node, "min_area", label + ".min_area"))
        template = ctx.need_text(node, "label", label + ".layers", required=False)
        _check_template(template, ctx.at(node, "label", label + ".layers.label"))
    else:
        template = ""
    return MeasureSource(layer, where, fallback, min_width, min_area, template)


def _check_template(template: str, where: str) -> None:
    import string

    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None]
    except ValueError:
        fields = ["?"]
    if any(not name.isidentifier() for name in fields):
        raise ProfileError(_("label {label!r} is not a valid template").format(label=template),
                           _("Name attributes in braces, e.g. 'label: \"{voltage_kv:g} kV station\"'"), where)


def _parse_entry(item: Any, ctx: ParseContext, raw: LineDict, label: str,
                 layer_ids: set[str] | None) -> tuple[MeasureSource, ...]:
    """One entry of a scoring criterion's ``layers:``: a layer, or ``one_of:`` layers in order of authority."""
    if not (isinstance(item, LineDict) and "one_of" in item):
        return (_parse_measure_source(item, ctx, raw, label, layer_ids),)
    ctx.check_keys(item, frozenset({"one_of", "note"}), label + ".layers")
    options = item["one_of"]
    if not isinstance(options, list) or not options:
        raise ProfileError(_("'one_of' must be a non-empty list of layer entries, most authoritative first"),
                           _("Write '- one_of: [hv_stations_tennet, hv_substations]'"), ctx.at(item, "one_of", label))
    entry = tuple(_parse_measure_source(option, ctx, item, label, layer_ids) for option in options)
    names = [s.layer for s in entry]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})[0]
        raise ProfileError(_("'one_of' names layer {layer!r} twice").format(layer=twice),
                           _("List each layer once; the first one present in the data is used"),
                           ctx.at(item, "one_of", label))
    return entry


def parse_scoring(raw: Any, source: str, layer_ids: set[str] | None = None) -> ScoringSpec:
    """The scoring section (a mapping as read by :func:`load_yaml`)."""
    ctx = ParseContext(source)
    if not isinstance(raw, LineDict):
        raise ProfileError(_("'scoring' must be a mapping"), _("See the scoring section of nl-default"), source)
    ctx.check_keys(raw, SCORING_KEYS, "scoring")
    criteria_raw = raw.get("criteria")
    if not isinstance(criteria_raw, LineList) or not criteria_raw:
        raise ProfileError(_("'scoring.criteria' is missing or empty"), _("List the scoring criteria"),
                           ctx.at(raw, "criteria" if "criteria" in raw else None, "scoring"))
    seen: set[str] = set()
    criteria = tuple(_parse_criterion(c, ctx, criteria_raw, i, layer_ids, seen) for i, c in enumerate(criteria_raw))
    names = [c.id for c in criteria]
    aggregation = str(raw.get("aggregation", "wlc"))
    if aggregation not in AGGREGATIONS:
        raise ProfileError(_("unknown aggregation {aggregation!r}").format(aggregation=aggregation),
                           _("Use one of: {choices}").format(choices=", ".join(AGGREGATIONS)),
                           ctx.at(raw, "aggregation", "scoring"))
    ranking = str(raw.get("ranking", "wlc"))
    if ranking not in RANKINGS:
        raise ProfileError(_("unknown ranking {ranking!r}").format(ranking=ranking),
                           _("Use one of: {choices}").format(choices=", ".join(RANKINGS)),
                           ctx.at(raw, "ranking", "scoring"))
    alpha = _number(raw.get("owa_alpha", 1.0), "owa_alpha", ctx.at(raw, "owa_alpha", "scoring"))
    if not 0.01 <= alpha <= 100:
        raise ProfileError(_("owa_alpha {alpha:g} is outside 0.01 .. 100").format(alpha=alpha),
                           _("1 = weighted average; < 1 optimistic; > 1 pessimistic"),
                           ctx.at(raw, "owa_alpha", "scoring"))
    weighting = str(raw.get("weights", "direct"))
    notices: list[str] = []
    ahp_result = None
    if weighting == "ahp":
        node = raw.get("ahp")
        where = ctx.at(raw, "ahp" if "ahp" in raw else None, "scoring.ahp")
        if not isinstance(node, LineDict) or "matrix" not in node:
            raise ProfileError(_("'weights: ahp' needs 'ahp: {matrix: [...]}'"),
                               _("Give one row per scoring criterion, in their order"), where)
        ctx.check_keys(node, frozenset({"matrix", "max_cr", "on_inconsistent", "basis"}), "scoring.ahp")
        rows = node["matrix"]
        where = ctx.at(node, "matrix", "scoring.ahp.matrix")
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ProfileError(_("the AHP matrix must be a list of rows"), _("Write '- [1, 3, 1/5]' per row"), where)
        if len(rows) != len(names) or any(len(r) != len(names) for r in rows):
            raise ProfileError(_("the AHP matrix must be {n} × {n} (one row and column per scoring criterion: "
                                 "{names})").format(n=len(names), names=", ".join(names)),
                               _("Add or remove rows / values"), where)
        matrix = np.array([[_fraction(v, where) for v in row] for row in rows])
        ahp_result = ahp(matrix, names, where)
        max_cr = _number(node.get("max_cr", saaty_cr_limit(len(names))), "max_cr", where)
        mode = str(node.get("on_inconsistent", "warn"))
        if mode not in ("warn", "refuse"):
            raise ProfileError(_("unknown on_inconsistent {mode!r}").format(mode=mode), _("Use 'warn' or 'refuse'"),
                               where)
        if ahp_result.consistency_ratio > max_cr:
            figures = {"cr": ahp_result.consistency_ratio, "max_cr": max_cr, "lambda_max": ahp_result.lambda_max,
                       "n": len(names)}
            if mode == "refuse":
                raise ProfileError(_("the AHP matrix is inconsistent: CR = {cr:.3f} > {max_cr:g} "
                                     "(λmax = {lambda_max:.3f}, n = {n})").format(**figures),
                                   _("Revise the judgements or set 'on_inconsistent: warn'"), where)
            notices.append(_("The AHP matrix is inconsistent: CR = {cr:.3f} > {max_cr:g} (λmax = {lambda_max:.3f}, "
                             "n = {n}); the weights are used anyway (on_inconsistent: warn).").format(**figures))
        weights = np.array(ahp_result.weights)
    elif weighting == "direct":
        missing = [c.id for c in criteria if c.weight is None]
        if missing:
            raise ProfileError(_("no weight for {criteria}").format(criteria=", ".join(missing)),
                               _("Give each scoring criterion 'weight: …', or use 'weights: ahp'"),
                               ctx.at(raw, "criteria", "scoring"))
        weights, notice = normalise_weights(names, [c.weight for c in criteria],
                                            ctx.at(raw, "criteria", "scoring"))
        if notice:
            notices.append(notice)
    else:
        raise ProfileError(_("unknown weighting {weighting!r}").format(weighting=weighting), _("Use 'direct' or 'ahp'"),
                           ctx.at(raw, "weights", "scoring"))
    concentration, spread = _parse_sensitivity(raw, ctx)
    return ScoringSpec(criteria, tuple(float(w) for w in weights), weighting, aggregation, alpha, ranking, ahp_result,
                       tuple(notices), str(raw.get("basis", "")).strip(),
                       max_cr if weighting == "ahp" else None, mode if weighting == "ahp" else "warn",
                       concentration, spread, tuple(tuple(float(v) for v in row) for row in matrix.tolist())
                       if weighting == "ahp" else None)


def _parse_sensitivity(raw: LineDict, ctx: ParseContext) -> tuple[float | None, float | None]:
    """``sensitivity: {concentration: 100}`` or ``sensitivity: {weight_spread: 0.05}`` (one of them)."""
    node = raw.get("sensitivity")
    if node is None:
        return None, None
    where = ctx.at(raw, "sensitivity", "scoring.sensitivity")
    if not isinstance(node, LineDict):
        raise ProfileError(_("'scoring.sensitivity' must be a mapping"),
                           _("Write 'sensitivity: {weight_spread: 0.05}' or 'sensitivity: {concentration: 100}'"), where)
    ctx.check_keys(node, frozenset({"concentration", "weight_spread", "basis"}), "scoring.sensitivity")
    if "concentration" in node and "weight_spread" in node:
        raise ProfileError(_("give 'concentration' or 'weight_spread', not both"),
                           _("One sets the other; keep one"), where)
    concentration = _number(node["concentration"], "concentration", where) if "concentration" in node else None
    spread = _number(node["weight_spread"], "weight_spread", where) if "weight_spread" in node else None
    if concentration is not None and concentration <= 0:
        raise ProfileError(_("concentration {value:g} must be positive").format(value=concentration),
                           _("Write e.g. 'concentration: 100'"), where)
    if spread is not None and not 0 < spread < 0.5:
        raise ProfileError(_("weight_spread {value:g} is outside 0 .. 0.5").format(value=spread),
                           _("Write e.g. 'weight_spread: 0.05'"), where)
    return concentration, spread


def scoring_from_profile_text(text: str, source: str, layer_ids: set[str] | None = None) -> ScoringSpec:
    raw = load_yaml(text, source)
    if not isinstance(raw, Mapping) or "scoring" not in raw:
        raise ProfileError(_("this profile has no 'scoring' section, so sites cannot be scored"),
                           _("Add one (see the scoring section of nl-default: smr-siting profiles --show nl-default)"),
                           source)
    return parse_scoring(raw["scoring"], source, layer_ids)


def with_weights(spec: ScoringSpec, weights: np.ndarray) -> ScoringSpec:
    """The same spec with other (already normalised) weights — for sensitivity runs."""
    import dataclasses

    return dataclasses.replace(spec, weights=tuple(float(w) for w in weights), pairwise=None)


__all__ = ["MeasureSource", "ScoringCriterion", "ScoringSpec", "parse_scoring", "scoring_from_profile_text",
           "with_weights"]


def with_ahp_matrix(spec: ScoringSpec, values: list[float] | np.ndarray, where: str = "AHP matrix") -> ScoringSpec:
    """The spec with weights from another AHP matrix (row by row, criteria in the spec's order)."""
    n = len(spec.criteria)
    flat = np.asarray([_fraction(v, where) for v in values], dtype="float64")
    if flat.size != n * n:
        raise ProfileError(_("the AHP matrix has {size} values; {n} scoring criteria need {n} × {n} = {cells}").format(
                               size=flat.size, n=n, cells=n * n),
                           _("Give one row per criterion, in this order: {names}").format(names=", ".join(spec.names)),
                           where)
    import dataclasses

    result = ahp(flat.reshape(n, n), spec.names, where)
    notices = list(spec.notices)
    max_cr = spec.max_cr if spec.max_cr is not None else saaty_cr_limit(n)
    if result.consistency_ratio > max_cr:  # the profile's max_cr and on_inconsistent hold here too
        figures = {"cr": result.consistency_ratio, "max_cr": max_cr, "lambda_max": result.lambda_max, "n": n}
        if spec.on_inconsistent == "refuse":
            raise ProfileError(_("the AHP matrix is inconsistent: CR = {cr:.3f} > {max_cr:g} "
                                 "(λmax = {lambda_max:.3f}, n = {n})").format(**figures),
                               _("Revise the judgements or set 'on_inconsistent: warn'"), where)
        notices.append(_("The AHP matrix is inconsistent: CR = {cr:.3f} > {max_cr:g} (λmax = {lambda_max:.3f}, "
                         "n = {n}); the weights are used anyway (on_inconsistent: warn).").format(**figures))
    return dataclasses.replace(spec, weights=result.weights, weighting="ahp", ahp=result, notices=tuple(notices),
                               max_cr=max_cr, pairwise=tuple(tuple(float(v) for v in row)
                                                             for row in flat.reshape(n, n).tolist()))
