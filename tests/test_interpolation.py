"""sim.inputs.interpolation: the same configuration OmegaConf resolves, to the type, much faster."""
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.inputs import interpolation
from sim.inputs.config import compose

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def plain(overrides):
    data = OmegaConf.to_container(compose(overrides), resolve=False)
    data.pop("hydra", None)
    return data


def by_omegaconf(data):
    return OmegaConf.to_container(OmegaConf.create(data), resolve=True)


def same(a, b) -> bool:
    """Equal, with the same type at every level (1 is not 1.0, a list is not a tuple)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIGS / group).glob("*.yaml"))


@pytest.mark.parametrize("network", options("network"))
def test_every_network_and_place_resolves_as_omegaconf_resolves_it(network):
    for place in options("place"):
        data = plain([f"network={network}", f"place={place}"])
        assert same(interpolation.resolve(data), by_omegaconf(data)), (network, place)


@pytest.mark.parametrize("scenario", options("scenario"))
def test_every_scenario_in_a_demand_led_later_year_resolves_as_omegaconf_resolves_it(scenario):
    data = plain([f"scenario={scenario}", "run.year=2027", "capacity_policy=demand_led"])
    assert same(interpolation.resolve(data), by_omegaconf(data))


def test_a_drawn_value_reaches_every_key_that_refers_to_it():
    data = plain(["network=mmc"])
    data["network"]["lam"], data["network"]["mean_los"] = 7.25, 2.5
    resolved = interpolation.resolve(data)
    assert same(resolved, by_omegaconf(data))
    assert resolved["network"]["streams"]["arrivals"]["rate_per_day"] == 7.25
    assert resolved["network"]["services"]["ward"]["los"]["mean"] == 2.5


def test_a_referenced_mapping_is_a_copy_as_omegaconf_gives_it():
    data = {"profiles": {"ae": {"monday": 1.1}}, "a": {"profile": "${profiles.ae}"}, "b": {"profile": "${profiles.ae}"}}
    resolved = interpolation.resolve(data)
    assert same(resolved, by_omegaconf(data))
    resolved["a"]["profile"]["monday"] = 9.0
    assert resolved["b"]["profile"]["monday"] == 1.1 and resolved["profiles"]["ae"]["monday"] == 1.1
    assert data["a"]["profile"] == "${profiles.ae}"            # the input is left as it was


def test_a_chain_of_references_is_followed():
    data = {"x": 3, "y": "${x}", "z": {"w": "${y}"}}
    assert same(interpolation.resolve(data), {"x": 3, "y": 3, "z": {"w": 3}})


@pytest.mark.parametrize("value", ["rate ${x} a day", "${.x}", "${oc.select:x,1}", "\\${x}", "${x.missing}"])
def test_any_other_interpolation_is_left_to_omegaconf(value):
    data = {"x": 3, "y": value}
    try:
        expected = by_omegaconf(data)
    except Exception as error:                       # a missing key: OmegaConf's own error, unchanged
        with pytest.raises(type(error)):
            interpolation.resolve(data)
    else:
        assert same(interpolation.resolve(data), expected)
