"""The algorithm dialog's profile choice, which also decides which layer-override slots the dialog shows: only
those the chosen profile (built-in or file) can read — its rules' and scoring criteria's layers, in any
alternative, and the region boundaries.  A slot the profile does not read is hidden and cleared; scripts and
models can still pass any slot.

Only the algorithm dialog gets these Python wrappers: in the Graphical Modeler and the batch dialog
:func:`default_wrapper` hands back the wrapper QGIS would have made (so a model can still bind the parameter to
a model input).  Imported only by dialogs (the parameters' ``widget_wrapper`` metadata names this module).
"""

from __future__ import annotations

from typing import Any

from processing.gui import wrappers as _wrappers
from processing.gui.wrappers import WidgetWrapper
from qgis.core import QgsProcessingContext
from qgis.gui import QgsGui, QgsProcessingGui

dialogTypes = getattr(_wrappers, "dialogTypes", {"AlgorithmDialog": QgsProcessingGui.WidgetType.Standard,  # noqa: N816
                                                 "ModelerParametersDialog": QgsProcessingGui.WidgetType.Modeler,
                                                 "BatchAlgorithmDialog": QgsProcessingGui.WidgetType.Batch})


def default_wrapper(param: Any, dialog: Any) -> Any:
    """The wrapper QGIS makes for ``param`` outside the algorithm dialog (modeler, batch); None inside it."""
    kind = dialog.__class__.__name__
    registry = QgsGui.processingGuiRegistry()
    if kind == "ModelerParametersDialog":
        wrapper = registry.createModelerParameterWidget(dialog.model, dialog.childId, param, dialog.context)
    elif dialogTypes.get(kind, QgsProcessingGui.WidgetType.Standard) != QgsProcessingGui.WidgetType.Standard:
        wrapper = registry.createParameterWidgetWrapper(param, dialogTypes[kind])
    else:
        return None
    if wrapper is not None and hasattr(wrapper, "setDialog"):
        wrapper.setDialog(dialog)
    return wrapper


class StandardDialogOnly(WidgetWrapper):
    """A Python wrapper in the algorithm dialog; QGIS's own wrapper in the modeler and the batch dialog."""

    def __new__(cls, param: Any, dialog: Any, *args: Any, **kwargs: Any) -> Any:
        other = default_wrapper(param, dialog)
        if other is not None:
            return other  # not an instance of cls: Python does not call __init__ on it
        return super().__new__(cls)


class ProfileWidgetWrapper(StandardDialogOnly):
    """The PROFILE enum as QGIS draws it, plus: show only the layer slots of the chosen profile."""

    def createWidget(self, **kwargs: Any) -> Any:  # noqa: N802 - QGIS signature
        self.context = QgsProcessingContext()
        self.inner = QgsGui.processingGuiRegistry().createParameterWidgetWrapper(self.parameterDefinition(),
                                                                                 QgsProcessingGui.WidgetType.Standard)
        widget = self.inner.createWrappedWidget(self.context)
        self.inner.widgetValueHasChanged.connect(lambda *_: self._changed())
        self._slots: dict[str, Any] = {}
        self._file: Any = None
        return widget

    def value(self) -> Any:
        return self.inner.parameterValue()

    def setValue(self, value: Any) -> None:  # noqa: N802 - QGIS signature
        self.inner.setParameterValue(value, self.context)

    def postInitialize(self, wrappers: list[Any]) -> None:  # noqa: N802 - QGIS signature
        from .algorithms import _ScreeningAlgorithm

        prefix = _ScreeningAlgorithm.LAYER_PREFIX
        self._slots = {w.parameterDefinition().name()[len(prefix):].lower(): w for w in wrappers
                       if w.parameterDefinition().name().startswith(prefix)}
        self._file = next((w for w in wrappers if w.parameterDefinition().name() == "PROFILE_FILE"), None)
        if self._file is not None:
            self._file.widgetValueHasChanged.connect(lambda *_: self._changed())
        self._changed()

    def chosen_profile(self) -> str:
        chosen = self._file.parameterValue() if self._file is not None else None
        return str(chosen or self.value() or "nl-default")

    def shown_slots(self) -> list[str]:
        return sorted(slot for slot, wrapper in self._slots.items() if not _hidden(wrapper))

    def _changed(self) -> None:
        from .algorithms import profile_slots

        try:
            self.widgetValueHasChanged.emit(self)  # other wrappers (the AHP editor) follow the profile too
        except (AttributeError, TypeError):  # pragma: no cover
            pass
        if not self._slots:
            return
        used = profile_slots(self.chosen_profile())
        for slot, wrapper in self._slots.items():
            _show(wrapper, slot in used, self.context)


def _widgets(wrapper: Any) -> list[Any]:
    if isinstance(wrapper, WidgetWrapper):
        return [w for w in (wrapper.widget, wrapper.label) if w is not None]
    return [w for w in (wrapper.wrappedWidget(), wrapper.wrappedLabel()) if w is not None]


def _hidden(wrapper: Any) -> bool:
    widgets = _widgets(wrapper)
    return bool(widgets) and all(w.isHidden() for w in widgets)


def _show(wrapper: Any, shown: bool, context: QgsProcessingContext) -> None:
    if not shown and wrapper.parameterValue() not in (None, ""):
        wrapper.setParameterValue(None, context)  # a hidden slot passes nothing
    for widget in _widgets(wrapper):
        widget.setHidden(not shown)
