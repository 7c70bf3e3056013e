"""Internal alias of :mod:`jilin_spatial.errors` (the public home of the exceptions and warnings)."""

from .errors import *  # noqa: F401,F403
from .errors import __all__  # noqa: F401
