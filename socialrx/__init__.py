"""socialrx: the domain package of a social prescribing dashboard (importable without Streamlit)."""

__version__ = "0.1.0"
