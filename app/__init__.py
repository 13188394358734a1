"""The user-facing entry points: the ``wenyuan`` command line and the archivists' web workbench."""
