"""The request gate: routing first, the signature over the body as sent checked before
anything is inflated or parsed, one answer for every refused signature, a budget for
unauthenticated requests, and the headers declared in the OpenAPI document."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import threading
import time

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync.protocol import signing_text
from sync.server.context import ServerContext
from sync.server.services import admin
from sync.server.settings import Settings
from tests.sync.conftest import OTHER_VILLAGE, VILLAGE_A, ThreadServer, raw_client, signed
from tests.sync.records import household

SIGNATURE_HEADERS = (
    "Doorstep-Device",
    "Doorstep-Worker",
    "Doorstep-Timestamp",
    "Doorstep-Nonce",
    "Doorstep-Signature",
)


def error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body["message"]


def bomb() -> bytes:
    """About 19 KiB of gzip that inflates to nearly 2 MiB of a well-formed push."""
    mutations = [
        {
            "seq": i + 1,
            "mutation_id": f"m{i}",
            "record_type": "visit",
            "record_id": f"r{i}",
            "kind": "create",
            "hlc": "h",
            "payload": {"note": os.urandom(15).hex()},
        }
        for i in range(500)
    ]
    body = json.dumps({"mutations": mutations, "client_hlc": " " * 1_900_000}).encode()
    return gzip.compress(body, compresslevel=9)


def test_unsigned_gzip_bodies_are_refused_before_they_are_inflated(server, make_device):
    device = make_device()
    payload = bomb()
    gzip_headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    health: list[float] = []
    answers: list[tuple[int, str, str]] = []

    def attack() -> None:
        with raw_client(server.url) as http:
            answers.append(error(http.post("/v1/push", content=payload, headers=gzip_headers)))

    attackers = [threading.Thread(target=attack) for _ in range(10)]
    for thread in attackers:
        thread.start()
    with raw_client(server.url) as http:
        while True:  # at least once: the attackers may all be answered before the first look
            started = time.perf_counter()
            assert http.get("/health").status_code == 200
            health.append(time.perf_counter() - started)
            if not any(t.is_alive() for t in attackers):
                break
    for thread in attackers:
        thread.join()
    print(f"\n/health during 10 unsigned {len(payload)} B gzip bodies: max {max(health):.3f} s")
    assert answers == [(401, "unauthorized", "请求缺少设备签名。")] * 10

    with raw_client(server.url) as http:
        # Not gzip at all, and a body that inflates past the limit: neither is opened
        # (inflating would answer 400 bad_encoding and 413 too_large).
        not_gzip = http.post("/v1/push", content=b"\x1f\x8bnot gzip", headers=gzip_headers)
        assert error(not_gzip)[:2] == (401, "unauthorized")
        huge = gzip.compress(b" " * (3 * 1024 * 1024))
        assert error(http.post("/v1/push", content=huge, headers=gzip_headers))[:2] == (
            401,
            "unauthorized",
        )
        # Signed over the inflated body (what the device signs is the body as sent): refused.
        inflated = gzip.decompress(payload)
        forged = device.client().auth.headers("POST", "/v1/push", inflated)
        response = http.post("/v1/push", content=payload, headers={**forged, **gzip_headers})
        assert error(response) == (401, "unauthorized", "请求签名无效。")
    # The same body signed as sent is authenticated, then inflated within the limit.
    response = signed(device, "POST", "/v1/push", raw=payload, headers=gzip_headers)
    assert response.status_code == 422  # the bomb's mutations are not a valid batch


def test_enrolment_bodies_inflate_only_a_little(server):
    body = gzip.compress(json.dumps({"code": "A" * 200_000, "public_key": "x" * 44}).encode())
    with raw_client(server.url) as http:
        response = http.post(
            "/v1/enroll",
            content=body,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )
    assert error(response) == (413, "too_large", "解压后的请求内容过大。")


def test_unauthenticated_requests_have_a_budget_per_client(db_url):
    ctx = ServerContext.open(Settings(database_url=db_url, unsigned_per_minute=5))
    server = ThreadServer(ctx).start()
    try:
        with raw_client(server.url) as http:
            enrol = {"code": "AAAA-BBBB-CCCC", "public_key": "A" * 43 + "="}
            statuses = [http.post("/v1/enroll", json=enrol).status_code for _ in range(3)]
            statuses += [
                http.post("/v1/push", json={"mutations": []}).status_code for _ in range(2)
            ]
            assert statuses == [410, 410, 410, 401, 401]
            refused = http.post("/v1/enroll", json=enrol)
            assert error(refused)[:2] == (429, "rate_limited")
            assert refused.headers["Retry-After"] == "60"
            assert http.post("/v1/push", json={"mutations": []}).status_code == 429
            assert http.get("/health").status_code == 200
    finally:
        server.stop()
        ctx.db.dispose()


def sign_as(key: Ed25519PrivateKey, device_id: str, worker_id: str, target: str) -> dict[str, str]:
    stamp, nonce = str(int(time.time() * 1000)), os.urandom(8).hex()
    text = signing_text("GET", target, stamp, nonce, hashlib.sha256(b"").hexdigest())
    return {
        "Doorstep-Device": device_id,
        "Doorstep-Worker": worker_id,
        "Doorstep-Timestamp": stamp,
        "Doorstep-Nonce": nonce,
        "Doorstep-Signature": base64.b64encode(key.sign(text)).decode(),
    }


def test_the_signature_is_checked_before_anything_about_the_device_is_said(ctx, make_device):
    device = make_device()
    revoked = make_device()
    admin.revoke_device(ctx, revoked.store.device_id)
    stranger = Ed25519PrivateKey.generate()
    with raw_client(device.url) as http:
        unknown = http.get("/v1/pull", headers=sign_as(stranger, "nobody", "nobody", "/v1/pull"))
        forged = http.get(
            "/v1/pull",
            headers=sign_as(stranger, device.store.device_id, device.worker_id, "/v1/pull"),
        )
        forged_revoked = http.get(
            "/v1/pull",
            headers=sign_as(stranger, revoked.store.device_id, revoked.worker_id, "/v1/pull"),
        )
        superscript = {**device.client().auth.headers("GET", "/v1/pull", b"")}
        superscript["Doorstep-Timestamp"] = "²".encode("latin-1") * 3  # type: ignore[assignment]
        odd_stamp = http.get("/v1/pull", headers=superscript)
    assert error(unknown) == error(forged) == error(forged_revoked)
    assert error(unknown) == (401, "unauthorized", "请求签名无效。")
    assert error(odd_stamp) == (401, "unauthorized", "请求的签名头格式不正确。")
    assert error(signed(revoked, "GET", "/v1/pull"))[:2] == (401, "device_revoked")


def test_a_record_outside_the_scope_is_answered_as_if_it_were_not_there(ctx, make_device):
    here = make_device()
    there = make_device(areas=[OTHER_VILLAGE])
    theirs = household(OTHER_VILLAGE)
    there.store.add(theirs)
    there.sync()
    mine = household(VILLAGE_A)
    here.store.add(mine)

    def push(record_type: str, record_id: str, kind: str, payload: dict[str, object]) -> dict:
        mutation = {
            "seq": 1000 + len(answers),
            "mutation_id": os.urandom(8).hex(),
            "record_type": record_type,
            "record_id": record_id,
            "kind": kind,
            "hlc": here.store.clock.now(),
            "payload": payload,
        }
        [answer] = signed(here, "POST", "/v1/push", {"mutations": [mutation]}).json()["answers"]
        answers.append(answer)
        return answer

    answers: list[dict] = []
    content = mine.content()
    # A create under an id another scope holds: the same answer whatever its type, and
    # nothing of the record comes back.
    as_household = push("household", theirs.id, "create", content)
    as_visit = push(
        "visit",
        theirs.id,
        "create",
        {
            "area_code": mine.area_code,
            "household_id": mine.id,
            "visited_at": "2026-11-02T09:00:00+08:00",
            "worker_id": here.worker_id,
            "team": "grid_worker",
        },
    )
    assert as_household["status"] == as_visit["status"] == "rejected"
    assert as_household["reason"] == as_visit["reason"]
    assert as_household["record"] is None and as_visit["record"] is None
    # An edit of a record of another scope reads exactly like an edit of no record at all.
    fields = {"fields": {"address": "改"}}
    elsewhere = push("household", theirs.id, "update", fields)
    nowhere = push("household", "01a2217f-27a0-7c08-8895-000000000000", "update", fields)
    wrong_type = push("person", theirs.id, "update", fields)
    for answer in (elsewhere, nowhere, wrong_type):
        assert (answer["status"], answer["reason"], answer["record"]) == (
            "rejected",
            nowhere["reason"],
            None,
        )


def test_routing_comes_first_and_openapi_declares_the_headers(server):
    with httpx.Client(base_url=server.url) as http:
        assert error(http.delete("/v1/push"))[:2] == (405, "method_not_allowed")
        assert error(http.get("/v1/nothing"))[:2] == (404, "not_found")
        document = http.get("/openapi.json").json()
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        if path.startswith("/v1/")
        for method, op in item.items()
    ]
    assert len(operations) >= 10
    for path, method, op in operations:
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        expected = {"Doorstep-Protocol"}
        if path != "/v1/enroll":
            expected |= set(SIGNATURE_HEADERS)
        assert expected <= headers, (method, path)
