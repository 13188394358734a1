"""The catalog side: IIIF, LIDO and Dublin Core records of finished books, and an OAI-PMH server over them."""
