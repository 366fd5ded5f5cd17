"""Bad input gets a clear 4xx with a JSON code and one sentence, never a 5xx."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from app.domain.errors import DoorstepError
from app.ui.catalogue import message
from sync.protocol import HEADER_REASON_CODES, PushResponse
from tests.sync.conftest import raw_client, signed


def check_error(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["message"].endswith("。")


@pytest.fixture
def device(make_device):  # type: ignore[no-untyped-def]
    return make_device()


def test_malformed_json_and_wrong_shapes_are_422(device):
    check_error(signed(device, "POST", "/v1/push", raw=b"{not json"), 422, "invalid_request")
    check_error(signed(device, "POST", "/v1/push", {"mutations": "x"}), 422, "invalid_request")
    bad_kind = {"mutations": [{"seq": 1, "mutation_id": "m", "record_type": "visit",
                               "record_id": "x", "kind": "delete", "hlc": "h", "payload": {}}]}  # fmt: skip
    check_error(signed(device, "POST", "/v1/push", bad_kind), 422, "invalid_request")
    check_error(signed(device, "GET", "/v1/pull?after=-1"), 422, "invalid_request")
    check_error(signed(device, "GET", "/v1/pull?areas=abc"), 400, "bad_request")


def test_nonsense_mutations_are_rejected_one_by_one_not_failed(device):
    junk = [
        {"record_type": "spaceship", "kind": "create", "payload": {}},
        {"record_type": "visit", "kind": "create", "payload": {"area_code": "1"}},
        {"record_type": "household", "kind": "update", "payload": {"fields": {"x": 1}}},
        {"record_type": "wish", "kind": "transition", "payload": {"from": "??"}},
        {"record_type": "household", "kind": "create", "payload": [1, 2]},
    ]
    mutations = [
        {
            "seq": i + 1,
            "mutation_id": f"m{i}",
            "record_id": f"r{i}",
            "hlc": device.store.clock.now(),
            **m,
        }
        for i, m in enumerate(junk)
    ]
    response = signed(device, "POST", "/v1/push", {"mutations": mutations})
    if response.status_code == 422:  # the list payload fails the schema: fine, a clear 4xx
        mutations.pop()
        response = signed(device, "POST", "/v1/push", {"mutations": mutations})
    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["status"] for a in answers] == ["rejected"] * len(mutations)
    assert all(a["reason"] for a in answers)


def test_oversized_bodies_are_413_also_when_compressed(device, server):
    big = {"mutations": [], "client_hlc": "x" * (3 * 1024 * 1024)}
    check_error(signed(device, "POST", "/v1/push", big), 413, "too_large")
    bomb = gzip.compress(b" " * (3 * 1024 * 1024))
    response = signed(device, "POST", "/v1/push", raw=bomb, headers={"Content-Encoding": "gzip"})
    check_error(response, 413, "too_large")
    check_error(
        signed(
            device,
            "POST",
            "/v1/push",
            raw=b"\x1f\x8bnot gzip",
            headers={"Content-Encoding": "gzip"},
        ),
        400,
        "bad_encoding",
    )


def test_a_gzip_body_is_accepted_signed_as_sent(device):
    body = gzip.compress(json.dumps({"mutations": []}).encode())
    client = device.client()
    headers = client.auth.headers("POST", "/v1/push", body)
    with raw_client(device.url) as http:
        response = http.post(
            "/v1/push",
            content=body,
            headers={**headers, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    assert response.status_code == 200 and response.json()["answers"] == []


def test_protocol_version_is_required_and_checked(device, server):
    with raw_client(server.url) as http:
        response = http.get("/v1/pull", headers={"Doorstep-Protocol": "2"})
        check_error(response, 426, "protocol_version")
        del http.headers["Doorstep-Protocol"]
        check_error(http.get("/v1/pull"), 400, "protocol_version")
    response = signed(device, "GET", "/v1/pull", headers={"Doorstep-Protocol": "99"})
    check_error(response, 426, "protocol_version")


def test_replayed_and_forged_requests_are_401(device):
    client = device.client()
    body = json.dumps({"mutations": []}).encode()
    headers = {
        **client.auth.headers("POST", "/v1/push", body),
        "Content-Type": "application/json",
    }
    with raw_client(device.url) as http:
        first = http.post("/v1/push", content=body, headers=headers)
        assert first.status_code == 200
        check_error(http.post("/v1/push", content=body, headers=headers), 401, "replayed")
        other = {**client.auth.headers("POST", "/v1/push", body)}
        tampered = http.post("/v1/push", content=body.replace(b"[]", b"[ ]"), headers=other)
        check_error(tampered, 401, "unauthorized")
        stale = client.auth.headers("POST", "/v1/push", body)
        stale["Doorstep-Timestamp"] = "1000"
        check_error(http.post("/v1/push", content=body, headers=stale), 401, "clock_skew")
        check_error(http.get("/v1/pull"), 401, "unauthorized")
        stranger = {**client.auth.headers("GET", "/v1/pull", b""), "Doorstep-Device": "nobody"}
        check_error(http.get("/v1/pull", headers=stranger), 401, "unauthorized")


def test_a_device_with_a_wrong_clock_corrects_itself(device):
    wrong = device.client(wall_ms=lambda: 86_400_000)  # 1970-01-02: a dead battery
    report = wrong.sync()
    assert report.round_trips >= 2


def test_unknown_paths_and_methods_are_json_errors(server):
    with raw_client(server.url) as http:
        check_error(http.get("/v1/nothing"), 404, "not_found")
        check_error(http.delete("/v1/push"), 405, "method_not_allowed")
        check_error(http.post("/v1/enroll", json={"code": "x"}), 422, "invalid_request")
        response = http.post("/v1/enroll", json={"code": "AAAA-BBBB", "public_key": "A" * 44})
        check_error(response, 400, "bad_request")
        response = http.post(
            "/v1/enroll",
            json={
                "code": "AAAA-BBBB",
                "public_key": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            },
        )
        check_error(response, 410, "code_unusable")


def test_a_rejection_carries_its_code_only_to_a_device_that_asks(device):
    """An older device refuses fields it does not know: without Doorstep-Reason-Codes the
    answer has exactly the fields it had; with it, the code and parameters the device says
    in its language. A batch sent again is answered from the log, by its sentence alone."""
    spaceship = {
        "seq": 1,
        "mutation_id": "m1",
        "record_id": "r1",
        "record_type": "spaceship",
        "kind": "create",
        "hlc": device.store.clock.now(),
        "payload": {},
    }
    plain = signed(device, "POST", "/v1/push", {"mutations": [spaceship]})
    assert plain.status_code == 200, plain.text
    (answer,) = plain.json()["answers"]
    assert set(answer) == {
        "seq",
        "status",
        "reason",
        "server_seq",
        "duplicate",
        "conflicts",
        "record",
    }
    assert answer["status"] == "rejected" and "spaceship" in answer["reason"]

    spaceship |= {"seq": 2, "mutation_id": "m2", "record_id": "r2"}
    asked = {HEADER_REASON_CODES: "1"}
    coded = signed(device, "POST", "/v1/push", {"mutations": [spaceship]}, headers=asked)
    (answer,) = PushResponse.model_validate_json(coded.content).answers
    assert (answer.status, answer.code, answer.params) == (
        "rejected",
        "push.unknown_type",
        {"type": "spaceship"},
    )
    said = message(DoorstepError(answer.code, **answer.params), "en")
    assert "spaceship" in said and not re.search(r"[\u4e00-\u9fff]", said)

    again = signed(device, "POST", "/v1/push", {"mutations": [spaceship]}, headers=asked)
    (answer,) = PushResponse.model_validate_json(again.content).answers
    assert answer.duplicate and answer.code == "" and "spaceship" in answer.reason
