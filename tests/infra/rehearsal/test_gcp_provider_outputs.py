"""The loopback gcp provider's stand-ins for what Google allocates: an internal address the program reads (the
gateway's PSC URL) is returned, internal, and stable for the same inputs."""

from __future__ import annotations

import ipaddress

from infra.rehearsal.gcp_provider import SERVER_URLS

ADDRESS = "gcp:compute/address:Address"
INPUTS = {"name": "genai-prod-gateway-psc", "subnetwork": "projects/p/regions/europe-west4/subnetworks/serving"}


def test_an_allocated_internal_address_is_an_internal_ip_stable_for_its_inputs() -> None:
    key, value = SERVER_URLS[ADDRESS](INPUTS, "p")
    assert key == "address"
    assert ipaddress.ip_address(value).is_private
    assert SERVER_URLS[ADDRESS](dict(INPUTS), "p") == (key, value)
    assert SERVER_URLS[ADDRESS]({**INPUTS, "name": "other"}, "p")[1] != value
