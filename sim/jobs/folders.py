"""The folder of each job of a sweep, named by its overrides: ``capacity.acute_beds=480``.

``hydra.sweep.subdir`` is ``${job_folder:${hydra.job.override_dirname},${hydra.job.num}}``: Hydra's
``override_dirname`` (the job's overrides, sorted, ``key=value`` joined by commas, without
``run.cache_dir``) made safe as one folder name on every filesystem: a config group's ``/``
(``scenario/capacity=[a,b]``) becomes ``.``, the characters Windows forbids (``\\ : * ? " < > |``) and
control characters become ``_``, trailing dots and spaces go, and a name longer than
:data:`MAX_LENGTH` characters is cut and ends with a hash of the whole, so it stays unique.  A job
without overrides is named by its number, as before.
"""
from __future__ import annotations

import hashlib
import re

from omegaconf import OmegaConf

RESOLVER = "job_folder"
MAX_LENGTH = 120
UNSAFE = re.compile(r'[\\:*?"<>|\x00-\x1f\x7f]')


def job_folder(override_dirname: str, number: int | str = 0) -> str:
    """A safe, readable folder name for a job whose overrides read ``override_dirname``."""
    name = UNSAFE.sub("_", str(override_dirname or "").replace("/", ".")).rstrip(". ")
    if not name or name in (".", ".."):
        return str(number)
    if len(name) > MAX_LENGTH:
        digest = hashlib.sha1(name.encode()).hexdigest()[:10]
        name = f"{name[:MAX_LENGTH - 11].rstrip('. ')}-{digest}"
    return name


def register() -> None:
    """Make ``${job_folder:...}`` known to OmegaConf (done when :mod:`sim.jobs.cli` is imported, in
    every process a launcher runs jobs in)."""
    OmegaConf.register_new_resolver(RESOLVER, job_folder, replace=True)
