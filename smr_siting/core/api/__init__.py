"""The engine's public entry points: :class:`Screening` for notebooks and scripts, :class:`ProfileBuilder` for
profiles written in code, and batch runs over regions × profiles (:mod:`.batch`)."""

from .builder import ProfileBuilder
from .screening import Exclusion, LayerLike, ProfileLike, Screening, Sensitivity

__all__ = ["Exclusion", "LayerLike", "ProfileBuilder", "ProfileLike", "Screening", "Sensitivity"]
