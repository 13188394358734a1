"""The archivists' workbench: ``wenyuan serve STORE`` (see :mod:`app.web.server`)."""

from app.web.server import Settings, create_app

__all__ = ["Settings", "create_app"]
