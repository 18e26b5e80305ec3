"""QGIS words in QGIS (issue 18): no plugin message names a command-line flag — neither in the message
catalogues nor on the QGIS code path, in English and in Dutch."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("qgis.core")
from qgis.core import QgsProcessingException, QgsProcessingFeedback  # noqa: E402

pytestmark = pytest.mark.qgis
ROOT = Path(__file__).resolve().parents[1]
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
#: engine modules only the command line reaches (verify, the tiled national run)
CLI_ONLY = ("smr_siting/cli", "smr_siting/core/pipeline/verify.py", "smr_siting/core/pipeline/tiled.py")


def _run(algorithm: str, params: dict) -> dict:
    import processing

    return processing.run(algorithm, params, feedback=QgsProcessingFeedback())


def _po_entries() -> list[tuple[list[str], str, str]]:
    """(locations, msgid, msgstr) of the engine's catalogue."""
    text = (ROOT / "smr_siting" / "core" / "locale" / "nl.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        locations = [loc.split(":")[0] for line in block.splitlines() if line.startswith("#:") for loc in line[2:].split()]
        parts = re.findall(r'^(msgid|msgstr) ((?:".*"\n?)+)', block + "\n", re.M)
        values = {key: "".join(re.findall(r'"(.*)"', body)) for key, body in parts}
        if values.get("msgid"):
            entries.append((locations, values["msgid"], values.get("msgstr", "")))
    return entries


def test_the_plugin_catalogue_has_no_flags() -> None:
    tree = ET.parse(ROOT / "resources" / "i18n" / "smr_siting_nl.ts")
    found = [(m.findtext("source"), m.findtext("translation")) for m in tree.iter("message")
             if FLAG.search(m.findtext("source") or "") or FLAG.search(m.findtext("translation") or "")]
    assert not found


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_engine_message_qgis_shows_is_in_the_dialogs_words(loaded_plugin, language) -> None:
    """Each engine message QGIS can show, in each language, has every flag named by an explicit entry of the
    QGIS vocabulary (the catch-all that only strips the dashes does not count)."""
    from smr_siting.processing.common import qgis_vocabulary
    from smr_siting.qt_translation import install_translator, remove_translator

    install_translator(language)
    try:
        vocabulary = qgis_vocabulary()
        explicit = type(vocabulary)("explicit", vocabulary.terms, vocabulary.flags[:-1])
        assert vocabulary.flags[-1][0] == r"--([a-z][a-z-]*)"
        reached = [(msgid, msgstr) for locations, msgid, msgstr in _po_entries()
                   if any(not loc.startswith(CLI_ONLY) for loc in locations)]
        assert len(reached) > 300
        left = [text for msgid, msgstr in reached for text in ((msgid, msgstr)[language == "nl"] or msgid,)
                if FLAG.search(explicit.speak(text))]
        assert not left, left
    finally:
        remove_translator()


@pytest.mark.parametrize("language", ["en", "nl"])
def test_bad_inputs_in_qgis_name_the_fields(loaded_plugin, demo_data, tmp_path, language) -> None:
    from smr_siting.qt_translation import install_translator, remove_translator

    empty = tmp_path / "empty"
    empty.mkdir()
    existing = tmp_path / "exclusion.tif"
    existing.write_bytes(b"mine")
    cases = [
        ({"REGION": "Ede", "DATA": str(tmp_path / "nowhere")}, ("'Data folder'", "‘Gegevensmap’")),
        ({"REGION": "Ede", "DATA": str(empty)}, ("'Layer for municipalities'", "‘Laag voor municipalities’")),
        ({"REGION": "Ede", "DATA": str(demo_data), "EXCLUSION": str(existing)},
         ("tick 'Replace output files that already exist'", "vink ‘Bestaande uitvoerbestanden vervangen’ aan")),
    ]
    install_translator(language)
    try:
        for params, words in cases:
            with pytest.raises(QgsProcessingException) as refused:
                _run("smr_siting:exclusionmap", {"RESOLUTION": 250, "SUMMARY": None, "MANIFEST": None,
                                                 "EXCLUSION_VECTOR": None, **params})
            message = str(refused.value)
            assert not FLAG.search(message), message  # failed on 96ade62: "Point --data at …"
            assert words[language == "nl"] in message, message
    finally:
        remove_translator()
    assert existing.read_bytes() == b"mine"
