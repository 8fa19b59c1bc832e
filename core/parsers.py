"""JSON request bodies, parsed so that bad input is a 400 (ParseError), never a 500."""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No payload the API takes nests this deep; a deeper one is an attack or a mistake.
MAX_JSON_DEPTH = 32
NOT_JSON = "The request body is not valid JSON."
TOO_DEEP = f"The JSON in the request body nests deeper than {MAX_JSON_DEPTH} levels."


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _deeper_than(data, limit: int) -> bool:
    """Whether `data` (parsed JSON) nests containers deeper than `limit`, walked without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def json_parse(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH):
    """The JSON value in `raw` (UTF-8). Raises ParseError for text that is not JSON and for nesting deeper
    than `max_depth` (the decoder itself recurses: a body of ten thousand "[" raised RecursionError)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ParseError(TOO_DEEP)
    except (UnicodeDecodeError, ValueError):
        raise ParseError(NOT_JSON)
    if _deeper_than(data, max_depth):
        raise ParseError(TOO_DEEP)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser through json_parse: the same answers, bounded depth, clear messages."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parsers.get_encoding(
            parser_context
        )  # a ParseError for a charset that is not a text encoding
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError:
            raise ParseError(NOT_JSON)
        return json_parse(text)
