"""Writing results: atomically (temporary name, then rename), deterministically, never over the
user's files without leave; and reading a screening folder's manifest back (:class:`Manifest`).

- :mod:`.atomic`: the folder lock, :class:`AtomicOutputs` (commit all or nothing, rollback) and write errors;
- :mod:`.json_io`: JSON data files, the manifest's digest and seal, the folder's own records;
- :mod:`.manifest`: :class:`Manifest`, the one untrusted-safe reader of ``manifest.json``;
- :mod:`.rasters`: the exclusion GeoTIFF, its legend, the rule colours and the QGIS styles;
- :mod:`.vectors`: GeoPackage layers and the exclusion polygons per rule;
- :mod:`.tables`: summary.csv.
"""

from __future__ import annotations

from ..data.vectorio import empty_frame
from .atomic import (
    COMMITTING,
    GDAL_BINDINGS,
    LIVE,
    SIDECARS,
    AtomicOutputs,
    abort_all,
    folder_is_busy,
    foreign_files,
    sidecar_paths,
)
from .json_io import (
    DIGEST_KEY,
    LEDGER_NAME,
    MANIFEST_FORMAT,
    OUTPUT_NAMES,
    content_digest,
    recorded_outputs,
    seal_manifest,
    write_json,
)
from .manifest import MANIFEST_LIMIT, MANIFEST_NAME, Manifest, output_path
from .rasters import (
    COVERAGE_COLOUR,
    NOT_EXCLUDED_COLOUR,
    ROWS_PER_CHECK,
    RULE_COLOURS,
    STYLE_DIRS,
    exclusion_legend,
    exclusion_qml,
    present_values,
    rule_colour,
    write_exclusion_tif,
    write_style,
)
from .tables import SUMMARY_COLUMNS, summary_csv_text, write_summary_csv
from .vectors import exclusion_polygons, write_gpkg

__all__ = [
    "COMMITTING", "COVERAGE_COLOUR", "DIGEST_KEY", "GDAL_BINDINGS", "LEDGER_NAME", "LIVE", "MANIFEST_FORMAT",
    "MANIFEST_LIMIT", "MANIFEST_NAME", "NOT_EXCLUDED_COLOUR", "OUTPUT_NAMES", "ROWS_PER_CHECK", "RULE_COLOURS",
    "SIDECARS", "STYLE_DIRS", "SUMMARY_COLUMNS", "AtomicOutputs", "Manifest", "abort_all", "content_digest",
    "empty_frame", "exclusion_legend", "exclusion_polygons", "exclusion_qml", "folder_is_busy", "foreign_files",
    "output_path", "present_values", "recorded_outputs", "rule_colour", "seal_manifest", "sidecar_paths",
    "summary_csv_text", "write_exclusion_tif", "write_gpkg", "write_json", "write_style", "write_summary_csv",
]
