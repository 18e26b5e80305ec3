#!/usr/bin/env python3
"""Qt6 readiness check: find in smr_siting/ what QGIS's Qt5 → Qt6 migration script would rewrite or warn about.

Exit 0 when nothing is found (then ``supportsQt6=True`` in metadata.txt is honest), 1 with one line per
finding ``file:line:col RULE message → fix``, 2 on bad usage.

    python3 scripts/check_qt6.py [PATH ...]          (default: smr_siting/)
    python3 scripts/check_qt6.py --require-introspection   also fail if the enum rule could not run

Source of the rules: the QGIS project's migration script ``scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py``
(qgis/QGIS, J. Cabieces, 2023; run it in its default QGIS-3-compatible mode) — each rule below names the
part of that script it mirrors — plus one rule from Qt 6's own porting notes that the script does not
rewrite but that breaks a plugin on a Qt6 build (QT6-016).

  QT6-001  ``import PyQt5`` / ``from PyQt5.X import``           → ``qgis.PyQt.X``          (fix_pyqt_import)
  QT6-002  ``from qgis.PyQt.Qt import ...``                     → ``qgis.PyQt.QtCore``     (removed_imports)
  QT6-003  ``.exec_()`` calls and ``def exec_``                 → ``exec``                 (rename_function_*)
  QT6-004  ``QRegExp``                                          → ``QRegularExpression``   (import_warnings)
  QT6-005  ``Qt.MidButton``, ``Qt.TextColorRole``, ``Qt.BackgroundColorRole`` → ``Qt.MouseButton.MiddleButton``,
           ``Qt.ItemDataRole.ForegroundRole``, ``Qt.ItemDataRole.BackgroundRole``     (deprecated_renamed_enums)
  QT6-006  an enum value reached through its class without its enum (``Qt.AlignLeft``,
           ``QgsProcessing.TypeVectorPolygon``)                 → ``Qt.AlignmentFlag.AlignLeft`` …
           (qt_enums / get_class_enums: PyQt6 enums are scoped).  Needs the Qt/QGIS Python modules to look the
           enums up (as the script does); without them this rule is skipped and the report says so.  A QGIS
           enum that QGIS >= 3.36 moved to ``Qgis`` (``QgsProcessing.TypeVectorPolygon`` →
           ``Qgis.ProcessingSourceType.VectorPolygon``) keeps its old spelling as an alias in QGIS 3.x, Qt6
           builds too, and the script does not rewrite it: those are printed as notes and do not fail.
           Run under the newest QGIS for the authoritative list: QGIS 3.22 cannot know of those moves.
  QT6-007  ``QVariant()`` / ``QVariant(QVariant.X)`` as a null   → ``NULL`` from qgis.core   (visit_call)
  QT6-008  ``qApp``                                             → ``QApplication.instance()`` (visit_attribute)
  QT6-009  ``QDateTime(y, m, d, h, mi, s, ms, ts)`` / ``QDateTime(QDate(...))``
           → ``QDateTime(QDate(...), QTime(...), ts)``                                   (visit_call)
  QT6-010  ``QVariant.Type.X``                                  → ``QVariant.X``            (visit_attribute)
  QT6-011  ``addAction(...)`` with 4 or more arguments          → make the QAction, then addAction(action)
  QT6-012  ``.desktop()`` (QDesktopWidget, removed)             → QScreen
  QT6-013  ``fontMetrics().width(...)`` (removed)               → ``horizontalAdvance`` / ``boundingRect().width()``
  QT6-014  ``activated[str]`` (removed)                         → ``activated`` / ``textActivated``
  QT6-015  ``import resources_rc`` (compiled resources removed) → load files by path         (QT6-011..015: the
           script's WARNING lines)
  QT6-016  ``QAction``, ``QActionGroup``, ``QShortcut``, ``QUndoCommand``, ``QUndoGroup``, ``QUndoStack``,
           ``QFileSystemModel`` imported from QtWidgets: Qt 6 moved them to QtGui, and QGIS's Qt6
           ``qgis.PyQt.QtWidgets`` is just ``from PyQt6.QtWidgets import *`` (python/PyQt/PyQt6/QtWidgets.py)
           → ``try: from qgis.PyQt.QtGui import QAction`` / ``except ImportError: from qgis.PyQt.QtWidgets import QAction``

Not checked: ``QVariant.Int``-style field types, which the script rewrites to ``QMetaType.Type`` only with
``--qgis3-incompatible-changes`` (they still work on Qt6 builds of QGIS 3).
"""

from __future__ import annotations

import argparse
import ast
import enum
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RENAMED_ENUMS = {
    ("Qt", "MidButton"): "Qt.MouseButton.MiddleButton",
    ("Qt", "TextColorRole"): "Qt.ItemDataRole.ForegroundRole",
    ("Qt", "BackgroundColorRole"): "Qt.ItemDataRole.BackgroundRole",
}
MOVED_TO_QTGUI = {"QAction", "QActionGroup", "QShortcut", "QUndoCommand", "QUndoGroup", "QUndoStack", "QFileSystemModel"}
# Modules whose classes carry Qt/QGIS enums (QT6-006 looks names imported from these up).
ENUM_MODULES = ("qgis.PyQt.", "PyQt5.", "PyQt6.", "qgis.core", "qgis.gui", "qgis.analysis", "qgis._3d")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    col: int
    rule: str
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}:{self.col + 1} {self.rule} {self.message}"


class Introspection:
    """Looks enum values up in the running Qt/QGIS Python modules, as the migration script does."""

    def __init__(self) -> None:
        self.available = True
        self.missing: set[str] = set()
        self._modules: dict[str, object] = {}

    def module(self, name: str) -> object | None:
        if name not in self._modules:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
            try:
                self._modules[name] = importlib.import_module(name)
            except Exception:  # noqa: BLE001 - any failure means: cannot look up here
                self._modules[name] = None
                self.missing.add(name)
        return self._modules[name]

    @staticmethod
    def _is_enum_value(value: object) -> bool:
        if isinstance(value, type):
            return False
        return isinstance(value, enum.Enum) or type(type(value)).__name__ == "enumtype"  # Python or sip enum

    def scoped_spelling(self, module_name: str, class_name: str, attribute: str) -> tuple[str, bool] | None:
        """``(Class.Enum.Value, True)`` when ``Class.attribute`` is an enum value reached without its enum (what the
        migration script rewrites); ``(Qgis.Enum.Value, False)`` when it is an alias that QGIS's own Python
        additions keep for an enum moved to ``Qgis`` (works on QGIS 3.x Qt6 builds, gone in QGIS 4); else None."""
        module = self.module(module_name)
        if module is None or class_name == "QVariant":  # QVariant.Type.X does not exist on Qt6 (QT6-010)
            return None
        owner = getattr(module, class_name, None)
        if not isinstance(owner, type):
            return None
        value = getattr(owner, attribute, None)
        if not self._is_enum_value(value):
            return None
        enum_type = type(value)
        member = value.name if isinstance(value, enum.Enum) else attribute
        if getattr(owner, enum_type.__name__, None) is enum_type and member == attribute:
            return f"{class_name}.{enum_type.__name__}.{member}", True
        return f"{enum_type.__qualname__}.{member}", False  # a QGIS enum moved to Qgis (QGIS >= 3.36)


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path, introspection: Introspection) -> None:
        self.path = path
        self.introspection = introspection
        self.findings: list[Finding] = []
        self.notes: list[Finding] = []
        self.imported: dict[str, tuple[str, str]] = {}  # local name → (module, original name)

    def add(self, node: ast.AST, rule: str, message: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), rule, message))

    # ---- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "PyQt5":
                self.add(node, "QT6-001", f"direct import of {alias.name} → import from qgis.PyQt")
            if alias.name.split(".")[-1] == "resources_rc":
                self.add(node, "QT6-015", "compiled resources (resources_rc) are removed in Qt6 → load files by path")
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        """``try: from qgis.PyQt.QtGui import X`` / ``except ImportError: from qgis.PyQt.QtWidgets import X``
        is the recommended Qt5/Qt6 spelling: the fallback import in the handler is not a finding."""
        first = {a.name for n in node.body if isinstance(n, ast.ImportFrom) and (n.module or "").endswith("QtGui")
                 for a in n.names}
        self.qtgui_first = getattr(self, "qtgui_first", set())
        added = first - self.qtgui_first
        self.qtgui_first |= first
        self.generic_visit(node)
        self.qtgui_first -= added

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] == "PyQt5":
            self.add(node, "QT6-001", f"direct import from {module} → from {module.replace('PyQt5', 'qgis.PyQt', 1)}")
        if module == "qgis.PyQt.Qt":
            self.add(node, "QT6-002", "qgis.PyQt.Qt is gone in Qt6 → from qgis.PyQt.QtCore import Qt")
        for alias in node.names:
            local = alias.asname or alias.name
            self.imported[local] = (module, alias.name)
            if alias.name == "QRegExp":
                self.add(node, "QT6-004", "QRegExp is removed in Qt6 → QRegularExpression (Qt5 and Qt6)")
            if alias.name == "resources_rc":
                self.add(node, "QT6-015", "compiled resources (resources_rc) are removed in Qt6 → load files by path")
            if alias.name in MOVED_TO_QTGUI and module.endswith("QtWidgets") and \
                    alias.name not in getattr(self, "qtgui_first", set()):
                self.add(node, "QT6-016", f"{alias.name} moved from QtWidgets to QtGui in Qt6 → try: from qgis.PyQt.QtGui "
                                          f"import {alias.name} / except ImportError: from {module} import {alias.name}")
        self.generic_visit(node)

    # ---- names, attributes, calls
    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "QRegExp" and self.imported.get("QRegExp", ("", ""))[1] != "QRegExp":
            self.add(node, "QT6-004", "QRegExp is removed in Qt6 → QRegularExpression (Qt5 and Qt6)")
        if node.id == "qApp":
            self.add(node, "QT6-008", "qApp is gone in Qt6 → QApplication.instance()")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name == "exec_":
            self.add(node, "QT6-003", "def exec_ → def exec (exec_ is gone in Qt6)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if isinstance(node.value, ast.Name):
            name, attribute = node.value.id, node.attr
            if (name, attribute) in RENAMED_ENUMS:
                self.add(node, "QT6-005", f"{name}.{attribute} is removed in Qt6 → {RENAMED_ENUMS[name, attribute]}")
            elif name == "QVariant" and attribute == "Type":
                self.add(node, "QT6-010", "QVariant.Type.X does not exist in Qt6 → QVariant.X")
            elif name in self.imported and name != "qApp":
                module, original = self.imported[name]
                if module.startswith(ENUM_MODULES):
                    lookup = module.replace("PyQt5.", "qgis.PyQt.", 1)
                    found = self.introspection.scoped_spelling(lookup, original, attribute)
                    if found is not None and found[1]:
                        self.add(node, "QT6-006", f"unscoped enum {name}.{attribute} → {found[0]}")
                    elif found is not None:
                        self.notes.append(Finding(self.path, node.lineno, node.col_offset, "note",
                                                  f"{name}.{attribute} is a deprecated alias QGIS 3.x keeps (also on "
                                                  f"Qt6 builds); QGIS >= 3.36 spells it {found[0]}"))
        elif isinstance(node.value, ast.Call) and node.attr == "width":
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "fontMetrics":
                self.add(node, "QT6-013", "QFontMetrics.width() is removed in Qt6 → horizontalAdvance() "
                                          "(Qt >= 5.11) or boundingRect().width()")
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.value, ast.Attribute) and node.value.attr == "activated" and \
                isinstance(node.slice, ast.Name) and node.slice.id == "str":
            self.add(node, "QT6-014", "activated[str] is removed in Qt6 → activated / textActivated (Qt >= 5.14)")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "exec_":
                self.add(node, "QT6-003", ".exec_() is gone in Qt6 → .exec()")
            elif func.attr == "addAction" and len(node.args) >= 4:
                self.add(node, "QT6-011", "fragile addAction(...) with 4+ arguments → action = QAction(...); "
                                          "obj.addAction(action)")
            elif func.attr == "desktop" and not node.args:
                self.add(node, "QT6-012", "QDesktopWidget (QApplication.desktop()) is removed in Qt6 → QScreen")
        elif isinstance(func, ast.Name) and func.id == "QVariant":
            if not node.args:
                self.add(node, "QT6-007", "QVariant() as a null value → NULL (from qgis.core import NULL)")
            elif len(node.args) == 1 and isinstance(node.args[0], ast.Attribute) and \
                    isinstance(node.args[0].value, ast.Name) and node.args[0].value.id == "QVariant":
                self.add(node, "QT6-007", "QVariant(QVariant.X) as a null value → NULL (from qgis.core import NULL)")
        elif isinstance(func, ast.Name) and func.id == "QDateTime":
            if len(node.args) == 8:
                self.add(node, "QT6-009", "QDateTime(y, m, d, h, mi, s, ms, ts) fails in Qt6 → "
                                          "QDateTime(QDate(y, m, d), QTime(h, mi, s, ms), ts)")
            elif len(node.args) == 1 and isinstance(node.args[0], ast.Call) and \
                    isinstance(node.args[0].func, ast.Name) and node.args[0].func.id == "QDate":
                self.add(node, "QT6-009", "QDateTime(QDate(...)) fails in Qt6 → QDateTime(QDate(...), QTime(0, 0, 0))")
        self.generic_visit(node)


def python_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts))
        elif path.suffix == ".py":
            files.append(path)
    return files


def check(paths: list[Path], introspection: Introspection | None = None) -> tuple[list[Finding], list[Finding]]:
    """(findings, notes): findings fail the check, notes (deprecated QGIS aliases) do not."""
    introspection = introspection or Introspection()
    findings: list[Finding] = []
    notes: list[Finding] = []
    for path in python_files(paths):
        checker = Checker(path, introspection)
        checker.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        findings.extend(checker.findings)
        notes.extend(checker.notes)

    def order(items: list[Finding]) -> list[Finding]:
        return sorted(set(items), key=lambda f: (str(f.path), f.line, f.col, f.rule))

    return order(findings), order(notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: smr_siting/)")
    parser.add_argument("--require-introspection", action="store_true",
                        help="fail when the Qt/QGIS modules needed for the enum rule (QT6-006) cannot be imported")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or [ROOT / "smr_siting"]
    for path in paths:
        if not path.exists():
            parser.error(f"{path} does not exist")
    introspection = Introspection()
    findings, notes = check(paths, introspection)
    for finding in findings:
        print(finding)
    for note in notes:
        print(note)
    skipped = sorted(introspection.missing)
    if skipped:
        print(f"note: QT6-006 (unscoped enums) could not look up names from {', '.join(skipped)} "
              "(run with the Python that has QGIS: /usr/bin/python3)", file=sys.stderr)
    qgis = introspection.module("qgis.core")
    where = f"QGIS {qgis.Qgis.QGIS_VERSION}" if qgis is not None else "no QGIS"
    if qgis is not None and qgis.Qgis.QGIS_VERSION_INT < 33600:
        print("note: QGIS < 3.36 cannot tell which QGIS enums later moved to Qgis (kept as aliases); the QT6-006 "
              "list is authoritative when run under the newest QGIS (e.g. the Debian 13 root of "
              "scripts/qgis-other-release.sh)", file=sys.stderr)
    print(f"check_qt6: {len(findings)} finding(s), {len(notes)} note(s) in {len(python_files(paths))} file(s) ({where}, Python "
          f"{sys.version.split()[0]})", file=sys.stderr)
    if findings or (skipped and args.require_introspection):
        print("check_qt6: NOT ready for Qt6: keep supportsQt6=False in metadata.txt", file=sys.stderr)
        return 1
    print("check_qt6: ready for Qt6 (supportsQt6=True is honest)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
