"""hotline: an open 12345 citizen-hotline platform."""

__version__ = "0.1.0"
