"""Corpus loaders, the sample book, lexicons and the synthetic page generator."""
