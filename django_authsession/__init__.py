"""Database-backed, cookie-carried login sessions for Django, wire-compatible with Better Auth.

The public modules are listed in docs/reference/python-api.md: ``sessions``, ``signals``,
``middleware``, ``authentication``, ``serializers``, ``models``, ``exceptions``, ``security``,
``devices`` and ``wire``. The others are internal.
"""

__version__ = "0.1.0"
