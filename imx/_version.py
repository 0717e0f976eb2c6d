"""The package version: one place, importable from any layer without the package face."""

__version__ = "0.1.0"
