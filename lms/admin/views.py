"""The admin blueprint with every screen's routes: importing a screen registers its routes on `bp`.

The screens import the blueprint from `lms.admin.blueprint`, so nothing imports back from here.
"""

from lms.admin import audit_views, class_views, overview_views, unit_views, user_views  # noqa: F401
from lms.admin.blueprint import bp

__all__ = ["bp"]
