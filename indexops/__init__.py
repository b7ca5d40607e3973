"""indexops: operate Set Protocol V2 index and leverage products."""

__version__ = "0.1.0"
