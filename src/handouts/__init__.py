"""handouts: branded, multilingual, printable patient handouts for ketamine-therapy clinics.

The public API is small: `build(Options)` makes handouts, `check(clinic_dir)`
validates inputs, and `UserError` carries every problem a user can fix.
"""

from .errors import UserError

__all__ = ["UserError", "build", "check", "Options"]


def __getattr__(name):  # lazy: `check` must not import WeasyPrint
    if name in ("build", "Options"):
        from .commands import build as _build
        return getattr(_build, name)
    if name == "check":
        from .commands.check import check
        return check
    raise AttributeError(name)
