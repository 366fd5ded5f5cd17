"""schemathesis against the OpenAPI document, with requests signed by an enrolled admin
device: whatever it generates, the server never answers 5xx."""

from __future__ import annotations

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from sync.client import SyncClient


class Signed(requests.auth.AuthBase):
    """Signs each generated request as the device would (protocol header included)."""

    def __init__(self, client: SyncClient) -> None:
        self.client = client

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        request.headers.update(
            self.client.auth.headers(request.method or "GET", request.path_url, body)
        )
        request.headers["Doorstep-Protocol"] = "1"
        return request


def test_no_input_makes_the_server_fail(server, make_device, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    # schemathesis keeps its cache and crash records under ./.schemathesis: not in the repo.
    monkeypatch.chdir(tmp_path)
    auth = Signed(make_device(role="admin", areas=["330702"]).client())
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    statuses: list[int] = []
    refusals: set[str] = set()

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def no_server_error(case):  # type: ignore[no-untyped-def]
            response = case.call_and_validate(
                base_url=server.url, auth=auth, checks=[not_a_server_error], timeout=30
            )
            statuses.append(response.status_code)
            if response.status_code in (400, 401, 426):
                refusals.add(response.json().get("code", ""))

        no_server_error()
    # The signatures work: some generated requests got through, others were refused, and
    # none for its headers (the OpenAPI document declares them, so they are generated).
    assert any(s < 300 for s in statuses) and any(400 <= s < 500 for s in statuses)
    assert not refusals & {"unauthorized", "protocol_version", "replayed", "clock_skew"}
