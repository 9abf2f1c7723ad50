"""Files written so that an interrupted run never leaves a truncated one that looks complete.

Every output (tables, manifests, figures, the parameter register) is written to a temporary name
beside its destination and renamed into place: a rename is atomic, so a reader sees the old file or
the new one, never half of it.

A table named ``*.csv.gz`` is written gzip-compressed and byte for byte reproducible (no time stamp or
file name in the gzip header); pandas reads it back like any CSV.  :func:`table_file` finds a table
written either way.

A file is written with the permissions the user's umask gives any new file (0644 under umask 022), not
the owner-only 0600 of a temporary file, so a team sharing a results folder or a cache can read it.
"""
from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd


def umask() -> int:
    """The process's umask, read without changing it where the system says (Linux), else set and put back."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The permissions of a new file under the user's umask (0644 under umask 022)."""
    return 0o666 & ~umask()


def temporary_file(path: Path) -> str:
    """A new empty file beside ``path`` to write and rename into place, with a new file's permissions
    (:func:`file_mode`; ``tempfile.mkstemp`` alone makes it readable by its owner only)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, file_mode())
    return tmp


def atomic_write(path: Path, write) -> None:
    """Call ``write(file_path)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_file(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as CSV; gzip-compressed when ``path`` ends in ``.gz``."""
    if str(path).endswith(".gz"):
        write_gzip(frame.to_csv(index=False).encode(), path)
    else:
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def write_gzip(data: bytes, path: Path) -> None:
    """``data`` gzip-compressed, the same bytes every time (the header's time stamp 0 and no file name)."""
    def dump(tmp):
        with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
            f.write(data)
    atomic_write(path, dump)


def table_file(folder: Path, name: str) -> Path:
    """The table ``name`` (``runs`` or ``runs.csv``) in ``folder``: ``name.csv``, else ``name.csv.gz``
    (the path of the plain CSV when neither exists, for the error message)."""
    stem = name.removesuffix(".gz").removesuffix(".csv")
    plain, packed = Path(folder) / f"{stem}.csv", Path(folder) / f"{stem}.csv.gz"
    return packed if packed.is_file() and not plain.is_file() else plain


def write_json(data: Any, path: Path) -> None:
    def dump(tmp):
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2, default=_json_default)
            f.write("\n")
    atomic_write(path, dump)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
