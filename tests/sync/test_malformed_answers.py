"""An answer that is not the protocol's message stops the sync in one sentence and
changes nothing: the device's client validates every answer once, as it arrives, into
the wire models of sync.protocol. A loopback server in front of the real one rewrites
the answers of one path."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app.domain.records import Household
from app.store.sandbox import list_sandboxes
from sync import replica
from sync.client import SyncClient
from sync.enrolment import enroll
from sync.errors import MalformedAnswer
from sync.server.services import admin
from tests.said import refused
from tests.sync.conftest import PIN, VILLAGE_A
from tests.sync.records import household

SENTENCE = "服务器发来的数据有误"

Rewrite = Callable[[bytes], bytes]


class Liar:
    """Forwards every request to `upstream` as it came (so signatures hold) and answers
    with what came back, except that a 200 answer to a path starting with `path` is
    replaced by `rewrite(body)`."""

    def __init__(self, upstream: str, path: str, rewrite: Rewrite) -> None:
        liar = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def do_PUT(self) -> None:
                self._forward()

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["Accept-Encoding"] = "identity"
                answer = httpx.request(
                    self.command, upstream + self.path, content=body, headers=headers
                )
                content = answer.content
                if answer.status_code == 200 and self.path.startswith(path):
                    content = rewrite(content)
                    liar.rewritten += 1
                self.send_response(answer.status_code)
                kept = ("content-type", "doorstep-server-time", "doorstep-content-sha256")
                for name, value in answer.headers.items():
                    if name.lower() in kept:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, *args: object) -> None:
                pass

        self.rewritten = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def lying(upstream: str, path: str, rewrite: Rewrite) -> Iterator[Liar]:
    liar = Liar(upstream, path, rewrite)
    try:
        yield liar
    finally:
        liar.close()


def replace(old: bytes, new: bytes) -> Rewrite:
    def rewrite(body: bytes) -> bytes:
        assert old in body, body[:300]
        return body.replace(old, new, 1)

    return rewrite


BAD_PAGES = {
    "not JSON": lambda body: body[: len(body) // 2],
    "no changes": replace(b'"changes":', b'"changed":'),
    "a cursor that is no number": replace(b'"cursor":', b'"cursor":"next","was":'),
    "a change of no area": replace(b'"area_code":', b'"area":'),
    "a list for a page": lambda body: b"[" + body + b"]",
}


@pytest.mark.parametrize("rewrite", BAD_PAGES.values(), ids=BAD_PAGES.keys())
def test_a_malformed_page_stops_the_pull_in_one_sentence(make_device, server, rewrite) -> None:
    writer, reader = make_device(), make_device()
    writer.store.add(household(VILLAGE_A))
    writer.sync()
    with (
        lying(server.url, "/v1/pull", rewrite) as liar,
        refused(MalformedAnswer, SENTENCE),
    ):
        SyncClient(reader.store, liar.url, attempts=1).sync()
    assert liar.rewritten == 1
    assert reader.store.load_all(Household) == []
    assert replica.pull_state(reader.store).cursor == 0
    assert reader.sync().pulled == 1, "the next sync from the real server pulls the record"


BAD_PUSH_ANSWERS = {
    "an unknown status": replace(b'"status":"applied"', b'"status":"maybe"'),
    "no answers": replace(b'"answers":', b'"replies":'),
    "no server clock": replace(b'"server_hlc":', b'"hlc":'),
}


@pytest.mark.parametrize("rewrite", BAD_PUSH_ANSWERS.values(), ids=BAD_PUSH_ANSWERS.keys())
def test_a_malformed_push_answer_keeps_the_change_queued(make_device, server, rewrite) -> None:
    device = make_device()
    device.store.add(household(VILLAGE_A))
    with (
        lying(server.url, "/v1/push", rewrite) as liar,
        refused(MalformedAnswer, SENTENCE),
    ):
        SyncClient(device.store, liar.url, attempts=1).sync()
    assert len(device.store.pending()) == 1 and device.store.dead_letters() == []
    report = device.sync()
    assert (report.pushed, report.rejected) == (1, 0), "the server answers the retry from its log"


def test_a_malformed_conflict_list_is_one_sentence(make_device, server) -> None:
    lead = make_device(role="coordinator")
    assert lead.client().conflicts() == []
    with (
        lying(server.url, "/v1/conflicts", lambda body: b'[{"id": 1}]') as liar,
        refused(MalformedAnswer, SENTENCE),
    ):
        SyncClient(lead.store, liar.url, attempts=1).conflicts()


def test_a_malformed_enrolment_answer_creates_no_sandbox(ctx, server, tmp_path: Path) -> None:
    worker = admin.create_worker(ctx, "王网格", "worker", "grid_worker", [VILLAGE_A])
    code = admin.issue_code(ctx, worker.id).code
    with (
        lying(server.url, "/v1/enroll", replace(b'"worker":', b'"staffer":')) as liar,
        refused(MalformedAnswer, SENTENCE),
    ):
        enroll(tmp_path, liar.url, code, PIN, scrypt_n=2**10)
    assert list_sandboxes(tmp_path) == []
