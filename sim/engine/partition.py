"""A service split by locality or site: one instance each, a patient offered to their own."""
from __future__ import annotations


class Partition:
    """One service per locality (or site): a patient is offered to their own."""

    def __init__(self, name, attribute, instances: dict):
        self.name = name
        self.attribute = attribute
        self.instances = instances

    def offer(self, patient, holder=None):
        self.instances[getattr(patient, self.attribute)].offer(patient, holder)
