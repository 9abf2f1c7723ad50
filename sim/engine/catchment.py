"""Areas, their home places and the acute sites their people use: a place's catchments.

A place's ``localities`` are its areas (local authorities, or localities within one).  Each area
has a *home place*, whose community, intermediate and social care its residents use, and the acute
sites where its A&E and acute demand goes::

    localities:
      north: {site: manor}                  # every hospital visit at one site
      wolverhampton:
        place: wolverhampton                # home place (community, intermediate and social care)
        sites: {new_cross: 0.876, russells_hall: 0.033, manor: 0.024}
                                            # share of the area's A&E and acute demand at each site;
                                            # the rest (here 0.067) uses sites outside the footprint
      south_staffordshire:
        outside: true                       # lives outside the footprint: comes in to its sites only
        sites: {new_cross: 0.538, russells_hall: 0.167, manor: 0.106}

A hospital patient's ``site`` is drawn from their area's shares (by each arrival stream, from a
random source of its own); for the place's own residents a share left over sends the patient to a
site outside the footprint, the ``outside`` site (they leave through the ``out_of_area`` sink, so the
outflow is counted).  Of an area outside the footprint only the demand that comes to its sites is
generated, the rest being no concern of the place's.  Their ``place`` is their area's home place, whichever site they used, so a
resident discharged from another place's hospital goes home to their own place's services.  People
of an ``outside`` area have the home place ``outside``: after hospital care they leave the model
instead of using the footprint's community services.  Services partitioned by site or place send
a patient whose site or place is ``outside`` to the ``out_of_area`` sink.

An area with neither ``place`` nor shares keeps the older meaning: one site, and the services of
that site's place (its home place is named after the site).  A place whose every area uses one
site at share 1 draws no sites at all.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..common.checks import check_keys, fraction
from ..common.errors import ConfigError

OUTSIDE = "outside"
AREA_KEYS = ("site", "sites", "place", "outside", "label", "source")


class Catchment:
    """The areas of a place, each with its home place and its shares of the sites."""

    def __init__(self, localities: Any, default_site: str, where: str = "place.localities"):
        if not isinstance(localities, Mapping) or not localities:
            raise ConfigError(where, localities, "a mapping of locality name to {site: ...} or {sites: {...}, place: ...}")
        self.areas = tuple(str(k) for k in localities)
        self.shares: dict[str, dict[str, float]] = {}
        self.home_of: dict[str, str] = {}
        for area, spec in localities.items():
            area = str(area)
            self.shares[area], self.home_of[area] = self._area(area, spec or {}, default_site, f"{where}.{area}")
        self.outside_areas = tuple(a for a in self.areas if self.home_of[a] == OUTSIDE)
        self.sites = tuple(dict.fromkeys(s for a in self.areas for s in self.shares[a]))
        self.places = tuple(dict.fromkeys(self.home_of[a] for a in self.areas if self.home_of[a] != OUTSIDE))
        if not self.places:
            raise ConfigError(where, sorted(self.areas), "at least one area inside the footprint (not outside: true)")
        #: areas whose every hospital visit is at one site, and that site
        self.site_of = {a: next(iter(s)) for a, s in self.shares.items() if len(s) == 1 and next(iter(s.values())) == 1.0}
        #: True when some area's site must be drawn for each patient
        self.drawn = len(self.site_of) < len(self.areas)
        table = np.array([[self.shares[a].get(s, 0.0) for s in self.sites] for a in self.areas])
        self.table = table                           # (areas, sites): share of each area's demand at each site
        self.leaving = np.clip(1.0 - table.sum(axis=1), 0.0, 1.0)   # share using sites outside the footprint
        # Demand generated: all of a resident area's (what goes elsewhere leaves through out_of_area, counted);
        # only the footprint's share of an outside area's (the rest is no concern of the place's).
        outside = np.array([a in self.outside_areas for a in self.areas])
        self.generated = np.where(outside, table.sum(axis=1), 1.0)
        given = np.divide(table, self.generated[:, None], out=np.zeros_like(table), where=self.generated[:, None] > 0)
        self.given_generated = given                 # (areas, sites): share of the generated demand at each site
        cumulative = np.cumsum(given, axis=1)
        self._cumulative = np.hstack([cumulative, np.full((len(self.areas), 1), np.inf)])
        self._site_names = np.array([*self.sites, OUTSIDE], dtype=object)

    @staticmethod
    def _area(area: str, spec: Mapping, default_site: str, where: str) -> tuple[dict[str, float], str]:
        check_keys(spec, AREA_KEYS, where)
        outside = spec.get("outside", False)
        if not isinstance(outside, bool):
            raise ConfigError(f"{where}.outside", outside, "true (the area lies outside the footprint) or false")
        if "site" in spec and "sites" in spec:
            raise ConfigError(where, sorted(spec), "site (one site) or sites (catchment shares), not both")
        if "sites" in spec:
            table = spec["sites"]
            if not isinstance(table, Mapping) or not table:
                raise ConfigError(f"{where}.sites", table, "a mapping of site to the share of the area's demand there")
            shares = {str(s): fraction(v, f"{where}.sites.{s}", "a share in [0, 1]") for s, v in table.items()}
            if sum(shares.values()) > 1.0 + 1e-9:
                raise ConfigError(f"{where}.sites", dict(table), "shares adding up to at most 1 (the rest uses sites "
                                  "outside the footprint)")
            shares = {s: v for s, v in shares.items() if v > 0}
        else:
            shares = {str(spec.get("site", default_site)): 1.0}
        if outside:
            if "place" in spec:
                raise ConfigError(f"{where}.place", spec["place"], "no home place for an area outside the footprint")
            return shares, OUTSIDE
        place = spec.get("place")
        if place is None:
            # one site: the services of that site's place (the meaning before catchments); shares: its own place
            place = next(iter(shares)) if "sites" not in spec else area
        if str(place) == OUTSIDE:
            raise ConfigError(f"{where}.place", place, f"a place name other than {OUTSIDE!r} (use outside: true)")
        return shares, str(place)

    def draw(self, areas: np.ndarray, rng: np.random.Generator) -> list[str]:
        """A site for a patient of each area (indices into ``areas``): one uniform draw each."""
        chosen = (rng.random(len(areas))[:, None] >= self._cumulative[areas]).sum(axis=1)
        return self._site_names[chosen].tolist()

    def site_labels(self) -> list[str]:
        """Every value a patient's ``site`` may take."""
        return [*self.sites, OUTSIDE] if (self.leaving > 1e-12).any() else list(self.sites)

    def place_labels(self) -> list[str]:
        """Every value a patient's ``place`` may take."""
        return [*self.places, OUTSIDE] if self.outside_areas else list(self.places)

    def weight(self, attribute: str | None, part: str | None) -> np.ndarray:
        """Share of each area's generated demand that belongs to ``part`` of a service partitioned by ``attribute``."""
        if attribute is None:
            return np.ones(len(self.areas))
        if attribute == "site":
            return self.given_generated[:, self.sites.index(part)] if part in self.sites else np.zeros(len(self.areas))
        of = self.home_of if attribute == "place" else {a: a for a in self.areas if a not in self.outside_areas}
        return np.array([of.get(a) == part for a in self.areas], dtype=float)
