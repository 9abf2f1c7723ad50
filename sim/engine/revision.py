"""A new year in a continuous multi-year run: the live network takes that year's configuration.

A multi-year run (``run.end_year``) is one replication from the first 1 April to the last 31 March,
so queues, backlogs and patients in beds carry over from one year to the next.  On each 1 April the
model hands the network that year's prepared configuration (its population, trend growth, scenario
phasing, capacity and calibration) and :class:`YearRevision` applies it to the nodes already
running, instead of building new ones:

* arrival streams take the new rates, mix of people, profiles and routing, and start generating the
  new year's arrivals (they paused at the boundary);
* services take the new stays, patience, priorities, caseload effects and routing, and their new
  places (at once, or through the rota from the current hour); escalation, earlier discharge and
  discharge times take their new settings;
* sinks take the new return (readmission) settings.

Everything draws from the same named random sources as before, so scenarios still share random
numbers year after year.  Patients already in service keep the stay they started with; the
structure of the network (its services, sinks and streams) must be the same every year.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from ..common.errors import ConfigError
from .context import Context
from .discharge import DischargeTimes
from .network import Network, NetworkBuilder
from .pressure import Escalation, LosUnderPressure
from .rota import Rota


class YearRevision(NetworkBuilder):
    """Applies one year's configuration (``config["network"]``) to a running :class:`Network`."""

    def __init__(self, spec: Mapping[str, Any], context: Context, trend: Callable[[str], float], network: Network):
        super().__init__(spec, context, trend)
        self.network = network
        for kind, names, configured in (("services", network.groups, self.services_spec),
                                        ("streams", network.arrivals, self.streams_spec)):
            if set(map(str, configured)) != set(names):
                raise ConfigError(f"network.{kind}", sorted(map(str, configured)),
                                  f"the same {kind} every year of a multi-year run ({sorted(names)})")

    def revise(self, limit: float) -> None:
        """Apply the year's settings; arrival streams generate up to ``limit`` (the next 1 April)."""
        net = self.network
        escalations = {e.service.name: e for e in net.escalations}
        net.rotas.restart()
        for name, spec in self.services_spec.items():
            name, where = str(name), f"network.services.{name}"
            base = self.service_spec(name, spec)
            rota = Rota(spec["rota"], f"{where}.rota") if spec.get("rota") else None
            for part, (instance_name, places) in self.capacities(name, spec).items():
                service = net.services[instance_name]
                service.revise(replace(base, name=instance_name, capacity=places, group=None if part is None else name))
                if rota is not None:
                    net.rotas.add(service, rota, places)
                elif places is not None:
                    service.set_capacity(places)
                self._revise_responses(service, spec, where, places, escalations)
        net.rotas.start()
        for name, spec in self.streams_spec.items():
            net.arrivals[name].revise(self.stream(name, spec), limit)
        for name, spec in self.services_spec.items():
            self._wire_service(str(name), spec)
        for name, spec in self.sinks_spec.items():
            self._wire_sink(name, spec or {})

    def _revise_responses(self, service, spec, where, places, escalations) -> None:
        escalation = escalations.get(service.name)
        if spec.get("escalation"):
            if escalation is None:
                escalation = Escalation(self.context.env, service, spec["escalation"], f"{where}.escalation")
                self.network.escalations.append(escalation)
            escalation.revise(spec["escalation"], places, f"{where}.escalation")
            escalation.start()
        elif escalation is not None:
            escalation.max_places = 0          # escalation places close as the controller next checks
        service.los_pressure = (LosUnderPressure(service, spec["los_under_pressure"], f"{where}.los_under_pressure")
                                if spec.get("los_under_pressure") else None)
        service.discharge = (DischargeTimes(spec["discharge_times"], self.context.calendar, self.context.horizon,
                                            self.context.random[f"discharge:{service.group}"], f"{where}.discharge_times")
                             if spec.get("discharge_times") else None)
