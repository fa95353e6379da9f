"""DRF's JSON parser, answering a body nested too deeply for Python's ``json``, or in a charset
Python does not know, with the contract's 400 instead of a 500."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply") from exc
        except LookupError as exc:  # an unknown charset in Content-Type
            raise ParseError("JSON parse error - unknown charset") from exc
