"""cloudgate: one API over many clouds and accounts, with a polled store and change events."""

__version__ = "0.1.0"
