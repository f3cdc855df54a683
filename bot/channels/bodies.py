"""Request bodies at the edge: bounded in size before reading, in depth before parsing."""

import json
from typing import Any

from starlette.requests import Request

# Deeper JSON is no chat message nor provider update; refusing it early keeps the parser from
# recursing.
MAX_JSON_DEPTH = 20


class BodyTooLarge(ValueError):
    """The request body is over the limit (said before or found while reading)."""


async def read_bounded(request: Request, limit: int) -> bytes:
    """Read a body of at most `limit` bytes, refusing a larger one before or while reading it."""
    declared = request.headers.get("content-length", "")
    if declared.isdecimal() and int(declared) > limit:
        raise BodyTooLarge(declared)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(str(len(body)))
    return bytes(body)


def parse_json(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON nested at most `max_depth` deep; ValueError otherwise, before any recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
            if deepest > max_depth:
                msg = f"JSON nested deeper than {max_depth}"
                raise ValueError(msg)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return json.loads(body)
