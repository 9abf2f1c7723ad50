"""The folder of each job of a sweep, named by its overrides: ``capacity.acute_beds=480``.

``hydra.sweep.subdir`` is ``${job_folder:${hydra.job.override_dirname},${hydra.job.num}}``: Hydra's
``override_dirname`` (the job's overrides, sorted, ``key=value`` joined by commas, without
``run.cache_dir``) made safe as one folder name on every filesystem: a config group's ``/``
(``scenario/capacity=[a,b]``) becomes ``.``, the characters Windows forbids (``\\ : * ? " < > |``) and
control characters become ``_``, trailing dots and spaces go, and a name longer than
:data:`MAX_BYTES` bytes (in UTF-8) is cut and ends with a hash of the whole, so it stays unique (most
filesystems allow 255 bytes a name; the rest of Windows' 260 characters a path is left for the folders
above and the files in it).  A job
without overrides is named by its number, as before.
"""
from __future__ import annotations

import hashlib
import re

from omegaconf import OmegaConf

RESOLVER = "job_folder"
MAX_BYTES = 150
UNSAFE = re.compile(r'[\\:*?"<>|\x00-\x1f\x7f]')


def job_folder(override_dirname: str, number: int | str = 0) -> str:
    """A safe, readable folder name for a job whose overrides read ``override_dirname``."""
    name = UNSAFE.sub("_", str(override_dirname or "").replace("/", ".")).rstrip(". ")
    if not name or name in (".", ".."):
        return str(number)
    if len(name.encode()) > MAX_BYTES:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        cut = name.encode()[:MAX_BYTES - 11].decode(errors="ignore").rstrip(". ")
        name = f"{cut}-{digest}"
    return name


def register() -> None:
    """Make ``${job_folder:...}`` known to OmegaConf (done when :mod:`sim.jobs.cli` is imported, in
    every process a launcher runs jobs in)."""
    OmegaConf.register_new_resolver(RESOLVER, job_folder, replace=True)
