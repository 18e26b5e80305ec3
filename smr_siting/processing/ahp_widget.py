"""The AHP matrix editor of the scoring algorithms' dialog: one row and one column per scoring criterion of the
chosen profile, labelled with the criterion's name in the user's language, pre-filled with the profile's pairwise
matrix (or, for direct weights, the consistent matrix they imply), the resulting weights and CR shown as you type.

Left as pre-filled, the parameter stays empty: the run uses the profile's own weights, exactly.  Imported only by
the dialog (the parameter's ``widget_wrapper`` metadata names this module), never by ``qgis_process``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from qgis.PyQt.QtWidgets import QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ..qt_translation import tr
from .profile_widget import StandardDialogOnly


def judgement_text(value: float) -> str:
    """3.0 → '3', 0.333… → '1/3', 1.875 → '15/8' (Saaty's judgements read as they are written in a profile)."""
    fraction = Fraction(value).limit_denominator(100)
    if abs(float(fraction) - value) < 1e-9:
        return str(fraction)
    return f"{value:.4g}"


def profile_scoring(profile: str) -> Any:
    """The scoring spec of a built-in profile name or a profile file; None if it has none or cannot be read."""
    from ..core.data.catalogue import load_catalogue
    from ..core.model.errors import SmrSitingError
    from ..core.rules import load_profile

    try:
        return load_profile(profile, load_catalogue().ids).scoring
    except (SmrSitingError, OSError):
        return None


class AhpMatrixWidgetWrapper(StandardDialogOnly):
    """Widget wrapper for the AHP_MATRIX parameter (a QgsProcessingParameterMatrix) in the algorithm dialog (the
    modeler and the batch dialog keep QGIS's matrix editor)."""

    def createWidget(self, **kwargs: Any) -> QWidget:  # noqa: N802 - QGIS signature
        self._prefilled: list[str] = []
        self._profile = "nl-default"
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(widget)
        self.table.setToolTip(tr("Cell [row, column]: how much more the row's criterion matters than the column's "
                                 "(Saaty 1/9 .. 9; 1 = equally, 3 = moderately, 5 = strongly; write 1/3 for the "
                                 "inverse)."))
        self.weights = QLabel(widget)
        self.weights.setWordWrap(True)
        self.reset = QPushButton(tr("Reset to the profile's weights"), widget)
        self.reset.clicked.connect(self.fill_from_profile)
        layout.addWidget(self.table)
        layout.addWidget(self.weights)
        layout.addWidget(self.reset)
        self.table.cellChanged.connect(self._changed)
        self.load_profile(self._profile)
        return widget

    # ---------------------------------------------------------------- the profile
    def load_profile(self, profile: str) -> None:
        """Rows, columns and values from ``profile`` (a built-in name or a YAML file)."""
        from ..core.model.i18n import localised

        self._profile = profile or "nl-default"
        self.spec = profile_scoring(self._profile)
        criteria = list(self.spec.criteria) if self.spec is not None else []
        labels = [localised(c.title, getattr(c, "title_nl", "")) or c.id for c in criteria]
        self.table.blockSignals(True)
        self.table.clear()
        self.table.setRowCount(len(criteria))
        self.table.setColumnCount(len(criteria))
        self.table.setHorizontalHeaderLabels(labels)
        self.table.setVerticalHeaderLabels(labels)
        for index, criterion in enumerate(criteria):
            for header in (self.table.horizontalHeaderItem(index), self.table.verticalHeaderItem(index)):
                header.setToolTip(criterion.id)
        self.table.blockSignals(False)
        self.fill_from_profile()

    def fill_from_profile(self) -> None:
        matrix = self.spec.pairwise_matrix() if self.spec is not None else ()
        self._prefilled = [judgement_text(v) for row in matrix for v in row]
        self._fill(self._prefilled)

    def _fill(self, values: list[str]) -> None:
        n = self.table.rowCount()
        self.table.blockSignals(True)
        for k, text in enumerate(values[: n * n]):
            self.table.setItem(k // n, k % n, QTableWidgetItem(text))
        self.table.blockSignals(False)
        self._changed()

    def cells(self) -> list[str]:
        n = self.table.rowCount()
        return [(self.table.item(i, j).text().strip() if self.table.item(i, j) is not None else "")
                for i in range(n) for j in range(n)]

    def labels(self) -> list[str]:
        return [self.table.verticalHeaderItem(i).text() for i in range(self.table.rowCount())]

    def _changed(self, *args: Any) -> None:
        if self.spec is None:
            self.weights.setText(tr("This profile has no scoring section."))
            return
        from ..core.config.scoring import with_ahp_matrix
        from ..core.model.errors import SmrSitingError

        try:
            spec = with_ahp_matrix(self.spec, self.cells(), tr("AHP matrix parameter"))
        except SmrSitingError as error:
            self.weights.setText(str(error))
            return
        self.weights.setText(tr("Weights: {weights} (CR {cr:.3f})").format(
            weights=", ".join(f"{n} {w:.3f}" for n, w in zip(spec.names, spec.weights)),
            cr=spec.ahp.consistency_ratio))
        try:
            self.widgetValueHasChanged.emit(self)
        except (AttributeError, TypeError):  # pragma: no cover - older wrappers without the signal
            pass

    # ---------------------------------------------------------------- follow the profile chosen in the dialog
    def postInitialize(self, wrappers: list[Any]) -> None:  # noqa: N802 - QGIS signature
        self._profile_wrappers = [w for w in wrappers if w.parameterDefinition().name() in ("PROFILE", "PROFILE_FILE")]
        for wrapper in self._profile_wrappers:
            wrapper.widgetValueHasChanged.connect(self._profile_changed)
        self._profile_changed()

    def _profile_changed(self, *args: Any) -> None:
        values = {w.parameterDefinition().name(): w.parameterValue() for w in self._profile_wrappers}
        chosen = str(values.get("PROFILE_FILE") or values.get("PROFILE") or "nl-default")
        if chosen != self._profile:
            self.load_profile(chosen)

    # ---------------------------------------------------------------- the parameter's value
    def setValue(self, value: Any) -> None:  # noqa: N802 - QGIS signature
        values = [str(v) for v in (value or []) if v is not None and str(v).strip() not in ("", "NULL")]
        if values and len(values) == self.table.rowCount() ** 2:
            self._fill(values)
        else:
            self.fill_from_profile()

    def value(self) -> Any:
        """None while the matrix is the profile's (its own weights are used); else the cells, row by row."""
        cells = self.cells()
        if cells == self._prefilled:
            return None
        return cells
