"""The miners that write the shipped lexicons (``corpora/lexicons/``) from the corpora: run by hand
(``python -m entities.mining.names`` ...), never imported by the pipeline."""
