"""The user-facing entry points: the ``wenyuan`` command (``app.cli``); the Prefect flows are in ``flows/``."""
