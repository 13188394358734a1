"""wenyuan (文渊): scans of pre-modern Chinese books to scholarly digital editions."""

__version__ = "0.1.0"
