"""A service split by site, home place or locality: one instance each, a patient offered to their own."""
from __future__ import annotations


def part_name(service: str, part, parts: int) -> str:
    """The name of ``service``'s instance for ``part`` (a site, home place or locality) of a partition of
    ``parts`` parts: ``<service>_<part>``, or the service's own name when the partition has one part."""
    return service if parts == 1 else f"{service}_{part}"


class Partition:
    """One service per site, home place or locality: a patient is offered to their own instance.

    A patient whose value has no instance (a site or home place ``outside`` the footprint) goes to
    ``outside``, the ``out_of_area`` sink: a resident who uses a hospital elsewhere, or a patient from
    elsewhere going home to their own place's services."""

    def __init__(self, name, attribute, instances: dict, outside=None):
        self.name = name
        self.attribute = attribute
        self.instances = instances
        self.outside = outside

    def offer(self, patient, holder=None):
        instance = self.instances.get(getattr(patient, self.attribute))
        (self.outside if instance is None else instance).offer(patient, holder)
