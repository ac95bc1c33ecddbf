"""What the running assistant exposes beyond this machine."""

from __future__ import annotations

import psutil
import pytest

pytestmark = [pytest.mark.stack]

LOOPBACK = {"127.0.0.1", "::1"}


def listening_addresses(pid: int) -> set[str]:
    """The addresses that a process and its children listen on."""
    process = psutil.Process(pid)
    addresses = set()
    for member in [process, *process.children(recursive=True)]:
        for conn in member.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN:
                addresses.add(conn.laddr.ip)
    return addresses


def test_the_action_server_listens_on_loopback_only(assistant_stack) -> None:
    # It has no authentication: reachable from the network, it creates tickets for anyone.
    process = assistant_stack.services["actions"].process
    assert process is not None
    addresses = listening_addresses(process.pid)
    assert addresses, "the action server listens on nothing"
    assert addresses <= LOOPBACK, f"the action server listens on {sorted(addresses)}"
