"""The built-in profiles, their stated basis, and the validation messages a profile author sees."""

from __future__ import annotations

import re

import pytest

from smr_siting.core.config.profile import PROFILE_DIR, builtin_profiles
from smr_siting.core.data.catalogue import load_catalogue
from smr_siting.core.model.errors import ProfileError
from smr_siting.core.rules import get_kind, kind_names, load_profile, parse_profile

SHIPPED = ("nl-default", "nl-strict", "nl-datacentre", "nl-regulator")
LAYER_IDS = load_catalogue().ids

#: what counts as citing a source: the project's criteria notes, the government letters, the law, the
#: regulators and institutes the profiles quote, and the data owners
CITATION = re.compile(r"Kamerbrief|government letters|\bBkl\b|Stb\. ?\d|\bNUREG\b|layer catalogue|"
                      r"\bNRC\b|\bCFR\b|Directives?\b|\bDirective \d|National Academies|Idaho National Laboratory|"
                      r"\bCBS\b|\bSEV III\b", re.IGNORECASE)
ASSUMPTION = re.compile(r"\bassumption\b", re.IGNORECASE)
#: "try 250–1,000 m", "Try 5, 20 and 40 ha": the word try followed by numbers
TRY_RANGE = re.compile(r"\btry\b[^.;]*?\d[^.;]*?(?:[-–]|,|\band\b|\bor\b)\s*[\d.,]*\d", re.IGNORECASE)


@pytest.mark.parametrize("name", builtin_profiles())
def test_shipped_profiles_stand_on_their_own(name):
    """A user's copy of a profile must not point into the development tree or the issue tracker."""
    text = (PROFILE_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert "../shared" not in text and "CRITERIA.md" not in text and "PROVENANCE" not in text
    assert not re.search(r"\bissues? \d|#\d", text), "an issue number in a shipped profile"


def _profiles():
    return {name: load_profile(name, LAYER_IDS) for name in SHIPPED}


def _basis_ok(text: str) -> bool:
    return bool(CITATION.search(text)) or bool(ASSUMPTION.search(text) and TRY_RANGE.search(text))


# --------------------------------------------------------------------------- built-in profiles


def test_the_three_builtin_profiles_are_shipped():
    assert set(SHIPPED) <= set(builtin_profiles())
    for name in SHIPPED:
        assert (PROFILE_DIR / f"{name}.yaml").is_file()


@pytest.mark.parametrize("name", SHIPPED)
def test_builtin_profile_loads_and_validates_against_the_catalogue(name):
    profile = load_profile(name, LAYER_IDS)
    assert profile.name == name
    assert profile.criteria, "a profile without rules"
    assert len({c.id for c in profile.criteria}) == len(profile.criteria)
    for criterion in profile.criteria:
        assert criterion.kind in kind_names() and get_kind(criterion.kind) is not None
        assert set(criterion.layer_ids) <= LAYER_IDS, f"{criterion.id} names a layer the catalogue lacks"
        assert criterion.sources and criterion.title and criterion.title_nl
    assert set(profile.layer_ids) <= LAYER_IDS
    assert 1.0 <= profile.resolution_m <= 1000.0
    assert profile.footprint.area_m2 > 0 and profile.footprint.shape in ("square", "circle", "rectangle")
    # parsing is deterministic: the same text gives the same profile and hash
    again = parse_profile(profile.text, profile.path, LAYER_IDS)
    assert again == profile and again.sha256 == profile.sha256


def test_builtin_profiles_fail_against_a_catalogue_without_their_layers():
    """The catalogue check is real: drop a layer id the profile uses and loading fails with that id named."""
    with pytest.raises(ProfileError, match="unknown layer id 'natura2000'"):
        load_profile("nl-default", LAYER_IDS - {"natura2000"})


def test_datacentre_profile_is_the_default_plus_the_zone_rule():
    profiles = _profiles()
    default_ids = [c.id for c in profiles["nl-default"].criteria]
    assert [c.id for c in profiles["nl-datacentre"].criteria] == default_ids + ["datacentre_zone"]
    zone = profiles["nl-datacentre"].criteria[-1]
    assert zone.kind == "zone_membership" and zone.options["mode"] == "inside" and zone.layer_ids == ("hyperscale_zones",)


def _basis_cases():
    cases = []
    for name in SHIPPED:
        profile = load_profile(name, LAYER_IDS)
        for criterion in profile.criteria:
            cases.append(pytest.param(name, criterion.id, id=f"{name}-{criterion.id}"))
    return cases


@pytest.mark.parametrize(("name", "criterion_id"), _basis_cases())
def test_every_criterion_states_its_basis(name, criterion_id):
    """A non-empty basis; each entry cites a source or says 'assumption' and gives a range to try."""
    criterion = next(c for c in load_profile(name, LAYER_IDS).criteria if c.id == criterion_id)
    assert criterion.basis, f"{name}: {criterion_id} has no basis"
    for key, text in criterion.basis.items():
        assert text.strip(), f"{name}: {criterion_id} basis {key!r} is empty"
        assert _basis_ok(text), f"{name}: {criterion_id} basis {key!r} neither cites a source nor states an " \
            f"assumption with a range to try: {text!r}"


@pytest.mark.parametrize("name", SHIPPED)
def test_footprint_and_profile_basis(name):
    profile = load_profile(name, LAYER_IDS)
    assert profile.footprint.basis.strip(), f"{name}: the footprint has no basis"
    assert _basis_ok(profile.footprint.basis), profile.footprint.basis
    for key, text in profile.basis.items():
        assert _basis_ok(text), f"{name}: profile basis {key!r}: {text!r}"


@pytest.mark.parametrize(("text", "ok"), [
    ("assumption: 3 km to the water; try 1, 2, 5 and 10 km", True),
    ("assumption: 500 m. Try 250–1,000 m.", True),
    ("Natura 2000 sites are excluded (Habitats and Birds Directives)", True),
    ("assumption: 3 km to the water", False),  # no range to try
    ("try 1 to 5 km", False),  # no assumption, no source
    ("Not a siting criterion: the layers describe the Netherlands only.", False),
    ("", False),
])
def test_the_basis_check_itself(text, ok):
    assert _basis_ok(text) is ok


# --------------------------------------------------------------------------- validation messages

BASE = """name: mine
footprint:
  area: 10 ha
  shape: square
criteria:
  - id: natura
    kind: exclude_inside
    layers: [natura2000]
  - id: towns
    kind: exclude_within
    layers:
      - layer: population_centres
        distance: 2 km
"""


def _error(text: str) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        parse_profile(text, "mine.yaml", LAYER_IDS)
    return info.value


def test_the_base_profile_is_valid():
    profile = parse_profile(BASE, "mine.yaml", LAYER_IDS)
    assert [c.id for c in profile.criteria] == ["natura", "towns"]
    assert profile.criteria[1].sources[0].distance.metres == 2000.0


@pytest.mark.parametrize(("old", "new", "line", "problem", "fix"), [
    pytest.param("kind: exclude_inside", "kind: exclude_insde", 7, "unknown criterion kind 'exclude_insde'",
                 "Did you mean 'exclude_inside'?", id="kind-typo"),
    pytest.param("    kind: exclude_inside\n", "    kind: exclude_inside\n    titel: Natura\n", 8, "unknown key 'titel'",
                 "Did you mean 'title'?", id="unknown-key"),
    pytest.param("name: mine\n", "name: mine\nfootprnt: {area: 1 ha}\n", 2, "unknown key 'footprnt'",
                 "Did you mean 'footprint'?", id="unknown-top-level-key"),
    pytest.param("distance: 2 km", "distance: -2 km", 13, "distance '-2 km' must be zero or positive",
                 "Use a distance like '500 m'", id="negative-distance"),
    pytest.param("distance: 2 km", "distance: 2000", 13, "distance 2000 has no unit",
                 "Write it with a unit, like '3 km'", id="distance-without-unit"),
    pytest.param("distance: 2 km", "distance: 2 kms", 13, "unit 'kms' is not a length unit", "Use 'm' or 'km'",
                 id="distance-bad-unit"),
    pytest.param("distance: 2 km", "distance: 5000 km", 13, "distance 5000 km is larger than 100 km",
                 "Check the unit (m or km) and the number", id="absurd-distance"),
    pytest.param("[natura2000]", "[natura200]", 8, "unknown layer id 'natura200'", "Did you mean 'natura2000'?",
                 id="unknown-layer"),
    pytest.param("    layers: [natura2000]\n", "", 6, "'layers' is missing or empty",
                 "List the layers this rule reads: 'layers: [natura2000]'", id="missing-layers"),
    pytest.param("id: towns", "id: natura", 9, "criterion id 'natura' is used twice", "Give each criterion its own id",
                 id="duplicate-id"),
    pytest.param("  shape: square", "  shape: square: round", 4, "this is not valid YAML",
                 "a value with ':' or '#' in it needs quotes", id="bad-yaml-colon"),
    pytest.param("        distance: 2 km", "       distance: 2 km", 13, "this is not valid YAML",
                 "Check indentation", id="bad-yaml-indent"),
    pytest.param("    kind: exclude_within", "\tkind: exclude_within", 10, "this is not valid YAML",
                 "Check indentation", id="bad-yaml-tab"),
    pytest.param("    kind: exclude_inside\n", "    kind: exclude_inside\n    kind: exclude_within\n", 8,
                 "key 'kind' appears twice", "Keep one of them", id="duplicate-key"),
    pytest.param("shape: square", "shape: hexagon", 4, "unknown footprint shape 'hexagon'",
                 "Use one of: square, circle, rectangle", id="unknown-shape"),
    pytest.param("shape: square", "shape: sqare", 4, "unknown footprint shape 'sqare'",
                 "mean 'square'? Use one of: square, circle, rectangle", id="shape-typo"),
    pytest.param("area: 10 ha", "area: 10", 3, "footprint area 10 has no unit", "Write it with a unit, like '10 ha'",
                 id="area-without-unit"),
    pytest.param("area: 10 ha", "area: 10 hectare", 3, "unit 'hectare' is not an area unit", "Use 'm2', 'ha' or 'km2'",
                 id="area-bad-unit"),
    pytest.param("shape: square", "shape: square\n  aspect: 2", 5, "an aspect ratio applies only to a rectangle",
                 "Set 'shape: rectangle' or remove 'aspect'", id="aspect-on-square"),
    pytest.param("        distance: 2 km", "        distance: 2 km\n        where: [{field: a, op: '=<', value: 3}]", 14,
                 "unknown operator '=<'", "Use one of: ==, !=, <, <=, >, >=, in, not in", id="unknown-operator"),
    pytest.param("        distance: 2 km", "        distance: {field: p, bands: [{from: 5, to: 1, distance: 1 km}]}", 13,
                 "band 'to' (1) must be larger than 'from' (5)", "Swap or fix the bounds", id="band-bounds"),
    pytest.param("        distance: 2 km", "", 12, "'distance' is missing for a 'exclude_within' rule",
                 "Add 'distance: ...' to this layer entry", id="missing-distance"),
])
def test_validation_message_names_file_line_and_fix(old, new, line, problem, fix):
    assert old in BASE
    error = _error(BASE.replace(old, new, 1))
    message = str(error)
    assert message.startswith(f"mine.yaml:{line}") and not message[len(f"mine.yaml:{line}")].isdigit(), \
        f"expected file and line mine.yaml:{line} first: {message}"
    assert problem in message, message
    assert fix in message, message
    assert error.fix, "no fix given"


@pytest.mark.parametrize(("old", "new"), [
    pytest.param("shape: square", "shape: sqare", id="footprint-shape"),
    pytest.param("        distance: 2 km", "        distance: 2 km\n        where: [{field: a, op: '=<', value: 3}]",
                 id="where-operator"),
])
def test_suggestions_start_a_sentence(old, new):
    message = str(_error(BASE.replace(old, new, 1)))
    assert "Did you mean" in message, message
