"""``smr-siting layers``: the layer catalogue, and with ``--data`` what a folder holds."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from ..core.model.errors import SmrSitingError
from ..core.model.i18n import _, localised


def add_parser(sub: Any) -> None:
    layers = sub.add_parser("layers", help=_("list the layer catalogue; with --data, what a folder holds"),
                            description=_("Lists the layer catalogue. With --data: per slot the file found in the "
                                          "folder (or why none), and per rule of the profile which source it would "
                                          "use (sources in order of authority)."))
    layers.add_argument("--data", type=Path, help=_("a data folder or fetch cache to look into"))
    layers.add_argument("--profile", default=None,
                        help=_("with --data: the profile whose sources to show (default: every built-in profile)"))


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.data.catalogue import load_catalogue

    catalogue = load_catalogue()
    if args.data is None:
        if args.profile:
            raise SmrSitingError(_("--profile goes with --data"), _("Add --data FOLDER, or leave out --profile"))
        for entry in sorted(catalogue.entries.values(), key=lambda e: e.id):
            out.write(f"{entry.id:24} {localised(entry.title, entry.title_nl)} — {entry.owner} ({entry.licence})\n")
        return 0
    from ..core.config.profile import builtin_profiles
    from ..core.data.layers import LayerStore
    from ..core.data.sources import resolve_profile
    from ..core.rules import load_profile

    store = LayerStore(catalogue, args.data, {}, None)
    out.write(_("Layers in {folder}:").format(folder=args.data) + "\n")
    for entry in sorted(catalogue.entries.values(), key=lambda e: e.id):
        why = store.absence(entry.id)
        if why is None:
            located, origin = store.locate(entry.id)
            name = located.path.name + (f":{located.layer}" if located.layer else "")
            found = name if origin == "data folder" else f"{name} ({origin})"
        else:
            found = "— " + why.describe()
        out.write(f"  {entry.id:24} {found}\n")
    for name in ([args.profile] if args.profile else builtin_profiles()):
        profile = load_profile(name, catalogue.ids)
        out.write("\n" + _("Profile {name} on this folder:").format(name=profile.name) + "\n")
        try:
            _resolved, choices = resolve_profile(profile, store.absence)
        except SmrSitingError as error:
            out.write("  " + _("cannot run here: {problem}").format(problem=error.problem) + "\n")
            continue
        for choice in choices:
            if len(choice.alternatives) == 1 and store.absence(choice.chosen) is None:
                continue
            section = _("rule") if choice.section == "rule" else _("scoring")
            if store.absence(choice.chosen) is not None:
                state = _("missing")
            elif choice.is_fallback:
                state = _("fallback for {layers}").format(layers=", ".join(layer for layer, _why in choice.skipped))
            else:
                state = _("most authoritative")
            out.write(f"  {section:8} {choice.criterion:22} {choice.chosen:24} {state}\n")
    return 0
