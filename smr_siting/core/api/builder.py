"""Criteria profiles written in code: :class:`ProfileBuilder` builds the YAML mapping a profile file holds and
reads it with the engine's own profile reader, so every check and message is the parser's."""

from __future__ import annotations

import difflib
import os
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ..model.errors import SmrSitingError
from ..model.i18n import _

if TYPE_CHECKING:  # pragma: no cover - names for the annotations only

    from ..model.profile import Profile


def _plain(value: Any) -> Any:
    """``value`` as plain YAML data: tuples to lists, numpy scalars to Python numbers, paths to text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _conditions(value: Any) -> Any:
    """``where:`` conditions: one condition or a list of them (each a mapping or a tuple, see :func:`_condition`)."""
    if isinstance(value, Mapping) or (isinstance(value, tuple) and value and isinstance(value[0], str)):
        return [_condition(value)]
    if isinstance(value, (list, tuple)):
        return [_condition(c) for c in value]
    return value


def _condition(item: Any) -> Any:
    """A ``where`` condition: a mapping as in a profile, or ``(field, op, value[, keep_missing])``."""
    if isinstance(item, (list, tuple)) and len(item) in (3, 4) and all(isinstance(x, str) for x in item[:2]):
        condition = {"field": item[0], "op": item[1], "value": item[2]}
        if len(item) == 4:
            condition["keep_missing"] = item[3]
        return condition
    return item


class ProfileBuilder:
    """A criteria profile written in code, parsed by the engine's own profile parser.

    Each method adds one rule (in order: the exclusion raster has one bit per rule, in this order) and
    returns the builder, so calls chain.  :meth:`build` writes the mapping a YAML profile would hold and
    runs it through :func:`smr_siting.core.rules.parse_profile`: every check, default and message is the
    parser's, and the :class:`~smr_siting.core.model.profile.Profile` is the one the same YAML file gives.  Values
    are written as in a profile, with units: ``"250 m"``, ``"3 km"``, ``"10 ha"``.

    Parameters
    ----------
    name : str
        The profile's name (recorded in every output).
    resolution : str, optional
        The cell size, e.g. ``"25 m"`` (the parser's default when None).
    footprint : str
        The SMR footprint area, e.g. ``"10 ha"``.
    shape : str
        ``"square"``, ``"circle"`` or ``"rectangle"``.
    aspect : float, optional
        Length / width of a rectangular footprint.
    title, title_nl, description : str, optional
        Texts shown in the outputs (``title_nl``: the Dutch title).
    scoring : mapping, optional
        A ``scoring:`` section as in a YAML profile (needed by :meth:`Screening.rank`).

    Examples
    --------
    >>> profile = (ProfileBuilder(name="my-profile", resolution="25 m")
    ...            .exclude_inside("natura2000", buffer="250 m")
    ...            .exclude_within("rivers_major", distance="1 km")
    ...            .require_within(["hv_substations"], distance="10 km",
    ...                            where=[("typ", "==", "substation")])
    ...            .build())                                               # doctest: +SKIP
    """

    #: the label a builder's profile carries in messages and in the manifest ("path" of the profile)
    SOURCE = "{name} (ProfileBuilder)"

    def __init__(self, name: str = "my-profile", resolution: str | None = None, footprint: str = "10 ha",
                 shape: str = "square", aspect: float | None = None, title: str | None = None,
                 title_nl: str | None = None, description: str | None = None,
                 scoring: Mapping[str, Any] | None = None) -> None:
        self._head: dict[str, Any] = {"name": name}
        for key, value in (("title", title), ("title_nl", title_nl), ("description", description),
                           ("resolution", resolution)):
            if value is not None:
                self._head[key] = value
        footprint_map: dict[str, Any] = {"area": footprint, "shape": shape}
        if aspect is not None:
            footprint_map["aspect"] = aspect
        self._head["footprint"] = footprint_map
        self._criteria: list[dict[str, Any]] = []
        self._scoring = dict(scoring) if scoring is not None else None

    @classmethod
    def from_profile(cls, profile: str | os.PathLike) -> ProfileBuilder:
        """A builder holding a built-in profile (``"nl-default"``) or a YAML file, to add or drop rules.

        Parameters
        ----------
        profile : str or path
            A built-in profile name or a ``.yaml`` file.

        Returns
        -------
        ProfileBuilder
            The profile's rules, footprint, resolution and scoring, with its name.
        """
        from ..config.yamlpos import load_yaml
        from ..data.catalogue import load_catalogue
        from ..rules import load_profile

        parsed = load_profile(profile, load_catalogue().ids)  # checked, with the file's own lines in messages
        data = _plain(load_yaml(parsed.text, parsed.path))
        builder = cls(name=parsed.name)
        builder._head = {k: v for k, v in data.items() if k not in ("criteria", "scoring")}
        builder._criteria = [dict(c) for c in data.get("criteria") or []]
        builder._scoring = data.get("scoring")
        return builder

    # ------------------------------------------------------------------ rules
    def rule(self, kind: str, layers: str | Sequence[Any], id: str | None = None,  # noqa: A002 - the profile key
             **options: Any) -> ProfileBuilder:
        """Add a rule of any criterion kind (``smr-siting kinds`` lists them).

        Parameters
        ----------
        kind : str
            The criterion kind, e.g. ``"exclude_inside"``, ``"zone_membership"``, ``"raster_threshold"``.
        layers : str or sequence
            A layer id, or a list of layer ids and/or layer entries written as in a profile (mappings
            with ``layer:``, or ``{"one_of": [...]}``).
        id : str, optional
            The rule's id (default: the first layer's id, made unique).
        **options
            Keys of the rule or of its layer entries, as in a profile.  A key the kind allows on a layer
            entry (``buffer``, ``distance``, ``where``, ``min_area``, ``field``, …) goes onto every layer
            given by id; every other key (``title``, ``group``, ``mode``, ``threshold``, …) onto the rule.
            ``where`` may also hold ``(field, op, value)`` tuples.  An unknown key goes where the closest
            allowed key lives, so that the parser names it with its "did you mean".

        Returns
        -------
        ProfileBuilder
            This builder.
        """
        from ..config.profile import CRITERION_KEYS, SOURCE_KEYS
        from ..rules import get_kind

        found = get_kind(kind)
        rule_keys = set(CRITERION_KEYS) | set(found.criterion_keys if found else ())
        entry_keys = (set(SOURCE_KEYS) | set(found.source_keys if found else ())) - rule_keys
        rule_options: dict[str, Any] = {}
        entry_options: dict[str, Any] = {}
        for key, value in options.items():
            if key == "where":
                value = _conditions(value)
            if key in rule_keys:
                rule_options[key] = value
            elif key in entry_keys:
                entry_options[key] = value
            else:
                close = difflib.get_close_matches(key, sorted(rule_keys | entry_keys), n=1, cutoff=0.6)
                (entry_options if close and close[0] in entry_keys else rule_options)[key] = value
        items = [layers] if isinstance(layers, (str, Mapping)) else list(layers)
        entries = [{"layer": item, **entry_options} if isinstance(item, str) else item for item in items]
        first = next((e.get("layer") for e in entries if isinstance(e, Mapping) and isinstance(e.get("layer"), str)),
                     kind)
        criterion: dict[str, Any] = {"id": id if id is not None else self._free_id(str(first)), "kind": kind}
        criterion.update(rule_options)
        criterion["layers"] = entries
        self._criteria.append(criterion)
        return self

    def exclude_inside(self, layers: str | Sequence[Any], buffer: str | None = None, id: str | None = None,  # noqa: A002
                       **options: Any) -> ProfileBuilder:
        """Exclude the land inside the layers' polygons (grown by ``buffer``, e.g. ``"250 m"``).

        See :meth:`rule` for ``layers``, ``id`` and ``options``.
        """
        if buffer is not None:
            options["buffer"] = buffer
        return self.rule("exclude_inside", layers, id, **options)

    def exclude_within(self, layers: str | Sequence[Any], distance: Any = None, id: str | None = None,  # noqa: A002
                       **options: Any) -> ProfileBuilder:
        """Exclude the land within ``distance`` (``"1 km"``, or distance bands) of the layers' features.

        See :meth:`rule` for ``layers``, ``id`` and ``options``.
        """
        if distance is not None:
            options["distance"] = distance
        return self.rule("exclude_within", layers, id, **options)

    def require_within(self, layers: str | Sequence[Any], distance: Any = None, id: str | None = None,  # noqa: A002
                       **options: Any) -> ProfileBuilder:
        """Exclude the land farther than ``distance`` from every feature of the layers (e.g. the grid).

        See :meth:`rule` for ``layers``, ``id`` and ``options``.
        """
        if distance is not None:
            options["distance"] = distance
        return self.rule("require_within", layers, id, **options)

    def drop(self, rule_id: str) -> ProfileBuilder:
        """Remove the rule ``rule_id`` (e.g. from a profile read with :meth:`from_profile`)."""
        kept = [c for c in self._criteria if c.get("id") != rule_id]
        if len(kept) == len(self._criteria):
            ids = [str(c.get("id")) for c in self._criteria]
            close = difflib.get_close_matches(rule_id, ids, n=1)
            raise SmrSitingError(_("the profile has no rule {id!r}").format(id=rule_id),
                                 (_("Did you mean {name!r}?").format(name=close[0]) + " " if close else "")
                                 + _("Rules: {ids}").format(ids=", ".join(ids)))
        self._criteria = kept
        return self

    def scoring(self, section: Mapping[str, Any] | None) -> ProfileBuilder:
        """Set (or, with None, remove) the ``scoring:`` section, written as in a YAML profile."""
        self._scoring = dict(section) if section is not None else None
        return self

    def _free_id(self, base: str) -> str:
        taken = {c.get("id") for c in self._criteria}
        if base not in taken:
            return base
        n = 2
        while f"{base}_{n}" in taken:
            n += 1
        return f"{base}_{n}"

    # ------------------------------------------------------------------ output
    @property
    def name(self) -> str:
        """The profile's name."""
        return str(self._head.get("name", ""))

    def mapping(self) -> dict[str, Any]:
        """The profile as the mapping a YAML profile file holds."""
        data = dict(self._head)
        data["criteria"] = [dict(c) for c in self._criteria]
        if self._scoring is not None:
            data["scoring"] = self._scoring
        return _plain(data)

    def to_yaml(self) -> str:
        """The profile as YAML text (what :meth:`build` parses; save it to use with the command line)."""
        import yaml

        head = f"# {self.name}: written by smr_siting.ProfileBuilder\n"
        return head + yaml.safe_dump(self.mapping(), sort_keys=False, allow_unicode=True, default_flow_style=False,
                                     width=100)

    def build(self) -> Profile:
        """The :class:`~smr_siting.core.model.profile.Profile`, parsed and checked by the engine's profile parser.

        Returns
        -------
        Profile
            The profile; its ``path`` is ``"NAME (ProfileBuilder)"`` and its ``text`` the YAML of :meth:`to_yaml`
            (both recorded in a screening's manifest).

        Raises
        ------
        ProfileError
            The parser's message (line numbers refer to :meth:`to_yaml`'s text).
        """
        from ..data.catalogue import load_catalogue
        from ..rules import parse_profile

        return parse_profile(self.to_yaml(), self.SOURCE.format(name=self.name), load_catalogue().ids)

    def __repr__(self) -> str:
        rules = ", ".join(f"{c.get('id')}:{c.get('kind')}" for c in self._criteria)
        return f"ProfileBuilder(name={self.name!r}, rules=[{rules}])"


# =========================================================================== results
