"""The culture team's role at the gateway: network-wide, with the one scope culture at the hub needs
(`network:culture`), and none of a station's."""

from __future__ import annotations

import pytest

from gateway import accounts, domain
from gateway.settings import GatewaySettings
from gateway.tokens import account_grant
from kernel.auth import ALL_STATIONS, ROLES, Scope

pytestmark = pytest.mark.spread


def test_the_culture_role_gives_the_culture_scope_only() -> None:
    assert "culture" in ROLES and "culture" in domain.STAFF_ROLES
    assert domain.scopes_for("culture") == Scope.NETWORK_CULTURE == "network:culture"
    assert Scope.NETWORK_CULTURE in domain.all_scopes()
    assert domain.OPERATE_SCOPE not in domain.scopes_for("culture").split()
    # A culture token asks for no more than it is granted.
    assert domain.narrow_scope("network:culture", "network:admin") is None


def test_a_culture_account_covers_the_whole_network() -> None:
    assert accounts._stations_for("culture", []) == [ALL_STATIONS]
    assert accounts._stations_for("culture", ["saint-denis-pleyel"]) == [ALL_STATIONS]
    grant = account_grant(
        GatewaySettings(), username="culture", role="culture", stations=["saint-denis-pleyel"]
    )
    assert grant.stations == ALL_STATIONS and grant.scope == "network:culture"
    assert grant.subject == "culture:culture"
