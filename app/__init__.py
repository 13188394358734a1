"""The user-facing entry points: the ``wenyuan`` command (``app.cli``) and the archivists' web workbench
(``app.web``); the Prefect flows are in ``flows/``."""
