"""``smr-siting profiles`` (list or print the built-in profiles) and ``smr-siting check-profile``."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ..core.model.i18n import _, localised


def add_parser(sub: Any) -> None:
    profiles = sub.add_parser("profiles", help=_("list the built-in profiles, or print one"))
    profiles.add_argument("--show", metavar="NAME", help=_("print the profile's text (to copy and edit)"))

    check = sub.add_parser("check-profile", help=_("validate a profile file and summarise it"))
    check.add_argument("profile", help=_("profile name or .yaml file"))


def _profiles(args: argparse.Namespace, out: TextIO) -> int:
    from ..core.config.profile import builtin_profiles, resolve_profile_path
    from ..core.rules import load_profile

    if args.show:
        out.write(resolve_profile_path(args.show).read_text(encoding="utf-8"))
        return 0
    for name in builtin_profiles():
        profile = load_profile(name)
        out.write(f"{name:16} {localised(profile.title, profile.title_nl)}\n")
    return 0


def _check(args: argparse.Namespace, out: TextIO) -> int:
    from ..core.data.catalogue import load_catalogue
    from ..core.model.profile import shape_label
    from ..core.model.units import format_length
    from ..core.rules import load_profile

    profile = load_profile(args.profile, load_catalogue().ids)
    out.write(_("{path}: profile {name!r} is valid: {rules} rules, footprint {area:g} ha {shape}, "
                "resolution {resolution:g} m, largest distance {distance}").format(
        path=profile.path, name=profile.name, rules=len(profile.criteria), area=profile.footprint.area_ha,
        shape=shape_label(profile.footprint.shape), resolution=profile.resolution_m,
        distance=format_length(profile.max_distance_m)) + "\n")
    for criterion in profile.criteria:
        entries = criterion.alternatives or tuple((s,) for s in criterion.sources)
        layers = ", ".join(dict.fromkeys(" > ".join(s.layer for s in entry) for entry in entries))
        out.write(f"  {criterion.id:24} {criterion.kind:17} {layers}\n")
    if any(criterion.alternatives for criterion in profile.criteria):
        out.write(_("  ('a > b': the first of these layers present in the data folder is used)") + "\n")
    return 0


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return _profiles(args, out) if args.command == "profiles" else _check(args, out)
