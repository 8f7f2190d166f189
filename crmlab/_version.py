"""The crmlab version, in a module of its own so that any module can import it without
importing the package's public API first (which would be an import cycle)."""

__all__ = ["__version__"]

#: Recorded in every data package; keep in step with ``pyproject.toml``.
__version__ = "0.1.0"
