"""Database-backed, cookie-carried login sessions for Django, wire-compatible with Better Auth."""

__version__ = "0.1.0"
