"""Reading what a user hands us: regular files only, bounded reads, strict JSON.

Every file reader (sessions, lessons, CSV, settings) goes through here, so a device, a
pipe, a file that grows while read, deep nesting or a duplicated key gets the same clear
answer everywhere: a `ReadError` whose message names the file. Each reader turns it into
its own documented error type. Limits live in engine/limits.py.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path

import numpy as np

from engine import limits

BOM = b"\xef\xbb\xbf"
# A JSON string, with its escapes (the unrolled form keeps Python's regex linear).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# Control characters and the bidirectional overrides that can hide or reorder text.
_HIDDEN = "\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNPRINTABLE = re.compile(f"[\x00-\x08\x0b-\x1f{_HIDDEN}]")
_UNPRINTABLE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f{_HIDDEN}]")


class ReadError(ValueError):
    """A file or text cannot be read; the message ("<name> <reason>") says why."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason
        super().__init__(f"{name} {reason}" if name else reason)


def printable(text: str, newlines: bool = True) -> str:
    """`text` with terminal control characters (ESC, BEL, CR...) shown as escapes,
    so text taken from a file cannot move the cursor or recolour a terminal or label.
    Tabs stay; newlines too unless `newlines` is False (one-line messages)."""
    pattern = _UNPRINTABLE if newlines else _UNPRINTABLE_LINE
    return pattern.sub(lambda m: ascii(m.group())[1:-1], str(text))


def read_file(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Devices (/dev/zero), pipes and folders are refused before anything is read; the
    size is checked on the open file and the read stops at limit + 1 bytes whatever
    the size said, so a file that grows cannot run the app out of memory.
    """
    path = Path(path)
    name = printable(path.name or str(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ReadError(name, "is not a file: it is a folder, device or pipe.")
        # O_NONBLOCK: a file swapped for a pipe after the check still cannot hang the open.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ReadError(name, "is not a file: it is a folder, device or pipe.")
            if info.st_size > limit:
                raise _too_big(name, what, info.st_size, limit)
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, min(limits.READ_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        finally:
            os.close(fd)
    except OSError as e:
        raise ReadError(name, f"cannot be read: {e.strerror or e}.") from None
    if total > limit:
        raise _too_big(name, what, total, limit)
    return b"".join(chunks)


def _too_big(name: str, what: str, size: int, limit: int) -> ReadError:
    return ReadError(name, f"is larger than {_size(limit)}, the limit for a {what} "
                           f"(it has {size} bytes or more).")


def _size(n: int) -> str:
    return f"{n / 2**20:.3g} MB" if n >= 2**20 else f"{n} bytes"


def parse_json(raw: bytes | str, name: str = "The file", depth: int | None = None):
    """Strict JSON: UTF-8 (a byte-order mark is allowed), nested at most `depth` deep
    (limits.JSON_DEPTH), no duplicated keys, no NaN/Infinity, no number too large for a
    float. Returns the parsed value; ReadError names the first problem."""
    depth = limits.JSON_DEPTH if depth is None else depth
    name = printable(name)
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ReadError(name, "is not a text file (not UTF-8).") from None
    found = nesting_depth(raw)
    if found > depth:
        raise ReadError(name, f"is nested too deeply: {found} levels; the limit is {depth}.")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                          parse_float=_finite_float)
    except json.JSONDecodeError as e:
        raise ReadError(name, f"is damaged or truncated: {e.msg} at line {e.lineno}, "
                              f"column {e.colno}.") from None
    except RecursionError:  # cannot happen below the depth limit; kept as a last guard
        raise ReadError(name, "is nested too deeply.") from None
    except ReadError as e:
        raise ReadError(name, f"is not valid here: {e.reason}.") from None
    except ValueError:  # e.g. an integer of thousands of digits
        raise ReadError(name, "holds a number too long to read.") from None


def nesting_depth(raw: bytes) -> int:
    """How deep the brackets of JSON text `raw` nest, outside strings (vectorised:
    a 50 MB file takes well under a second)."""
    bare = np.frombuffer(_STRING.sub(b'""', raw), dtype=np.uint8)
    opens = (bare == ord("[")) | (bare == ord("{"))
    closes = (bare == ord("]")) | (bare == ord("}"))
    marks = np.flatnonzero(opens | closes)
    if len(marks) == 0:
        return 0
    steps = np.where(opens[marks], 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    result = {}
    for key, value in pairs:
        if key in result:
            raise ReadError("", f"the key {_short(key)} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str):
    raise ReadError("", f"it holds {name}, which is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ReadError("", f"the number {_short(text)} is too large")
    return value


def _short(text: str) -> str:
    return printable(repr(text if len(text) <= 40 else text[:37] + "..."))


def read_json_file(path: str | os.PathLike, limit: int, what: str = "file"):
    """read_file, then parse_json: the parsed value, or ReadError."""
    path = Path(path)
    return parse_json(read_file(path, limit, what), path.name or str(path))
