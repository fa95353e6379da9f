"""``JSON.stringify`` as V8 writes it, so a signature computed over re-serialised JSON matches
the one Better Auth computed (the cookie cache signs ``JSON.stringify`` of parsed values)."""

from __future__ import annotations

import json
import math
import re
from json.encoder import encode_basestring  # what json.dumps(str, ensure_ascii=False) uses
from typing import Any

__all__ = ["NotJSONCompatible", "is_array_index", "js_stringify"]

_CANONICAL_INDEX = re.compile(r"0|[1-9][0-9]*")
_ARRAY_INDEX_MAX = 2**32 - 2  # JS orders keys "0".."4294967294" first, ascending
SAFE_INTEGER_MAX = 2**53 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


class NotJSONCompatible(TypeError):
    """A value JSON cannot carry (or not the way ``JSON.stringify`` would write it).

    ``path`` names where it sits (``user.avatar.url``), so the error can point at the field."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


def js_stringify(value: Any) -> str:
    """``JSON.stringify(value)`` as V8 writes it, for values ``json.loads`` can produce.

    Differs from ``json.dumps(separators=(",", ":"), ensure_ascii=False)`` only in the
    corners: JS number formatting, array-index keys ordered first, lone surrogates escaped.
    """
    if _plain(value):  # the usual case, where Python's encoder writes exactly what V8 does
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        text = _js_value(value, "")
    if _SURROGATE.search(text):
        # Pair up surrogates JS would see as one character, then escape the lone ones.
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def _plain(value: Any) -> bool:
    """Only strings, booleans, null, safe integers, and objects without array-index keys."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -SAFE_INTEGER_MAX <= value <= SAFE_INTEGER_MAX
    if isinstance(value, dict):
        return all(
            isinstance(key, str) and not (key[:1].isdigit() and is_array_index(key)) and _plain(v)
            for key, v in value.items()
        )
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return False


def _js_value(value: Any, path: str) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int | float):
        return _js_number(value)
    if isinstance(value, dict):
        items = (
            f"{encode_basestring(key)}:{_js_value(value[key], _join(path, key))}"
            for key in _js_key_order(value, path)
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        items = (_js_value(item, _join(path, str(i))) for i, item in enumerate(value))
        return "[" + ",".join(items) + "]"
    raise NotJSONCompatible(f"{type(value).__name__} is not a JSON type", path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _js_key_order(obj: dict[Any, Any], path: str) -> list[str]:
    """JS objects list array-index keys first, ascending, then the rest in insertion order."""
    keys: list[str] = []
    for key in obj:
        if not isinstance(key, str):
            raise NotJSONCompatible(f"key {key!r} is not a string", path)
        keys.append(key)
    indices = [key for key in keys if is_array_index(key)]
    if not indices:
        return keys
    indices.sort(key=int)
    return indices + [key for key in keys if not is_array_index(key)]


def is_array_index(key: str) -> bool:
    return (
        len(key) <= 10
        and _CANONICAL_INDEX.fullmatch(key) is not None
        and int(key) <= _ARRAY_INDEX_MAX
    )


def _js_number(value: int | float) -> str:
    """``Number.prototype.toString`` (ECMA-262 Number::toString), which JSON.stringify uses."""
    if isinstance(value, int):
        if -SAFE_INTEGER_MAX <= value <= SAFE_INTEGER_MAX:
            return str(value)
        value = float(value)  # JS holds every number as a double; OverflowError if too big
    if not math.isfinite(value):
        return "null"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest round-tripping digits, the same digits JS picks.
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    all_digits = whole + fraction
    digits = all_digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(all_digits) - len(digits))
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    exp = f"{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    if k == 1:
        return f"{sign}{digits}e{exp}"
    return f"{sign}{digits[0]}.{digits[1:]}e{exp}"
