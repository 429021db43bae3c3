"""gradbot: the graduate Employment and Entrepreneurship Center assistant (shared core)."""

__version__ = "0.1.0"
