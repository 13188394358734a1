"""Entity and date annotation as a subsystem: what the annotate stage finds in a text, and the offline tools
that build and score it. The pipeline imports the modules here; it never imports ``entities.mining``."""
