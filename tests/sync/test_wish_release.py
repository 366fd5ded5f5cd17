"""Wish claims with no donor contact within the policy's days go back to published:
by `doorstep server release-claims`, by the running server, and devices receive it."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from typer.testing import CliRunner

from app.domain.codes import WishState
from app.domain.records import Wish
from app.domain.wishes import transition
from sync import merge
from sync.server.cli import server_app
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.services.review import release_stale_claims
from tests.sync.conftest import VILLAGE_A, Device, ThreadServer, signed
from tests.sync.records import household, wish

S = WishState


def published_wishes(device: Device, lead: Device, titles: list[str]) -> list[Wish]:
    """Wishes collected and approved on `device`, published by the coordinator `lead`."""
    made = []
    for title in titles:
        h = household(VILLAGE_A, address=f"{title}家")
        w = wish(h, title)
        device.store.add_many([h, w])
        device.store.update(transition(device.store.get(Wish, w.id), S.APPROVED, on=w.collected_on))
        made.append(w)
    device.sync()
    for w in made:
        answer = signed(lead, "POST", f"/v1/wishes/{w.id}/publish", {})
        assert answer.status_code == 200, answer.text
    return made


def claim(lead: Device, w: Wish, donor: str = "金华市慈善总会") -> None:
    answer = signed(lead, "POST", f"/v1/wishes/{w.id}/claim", {"claimed_by": donor})
    assert answer.status_code == 200 and answer.json()["state"] == "claimed", answer.text


def stored(ctx, wish_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    with ctx.db.reading() as s:
        row = Feed(s).get(wish_id)
        assert row is not None
        return json.loads(row.data)


def backdate_claim(ctx, wish_id: str, claimed_on: date) -> None:  # type: ignore[no-untyped-def]
    """Set the claim's day as the server would have recorded it that day."""
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = feed.get(wish_id)
        assert row is not None
        outcome = merge.server_write(
            "wish",
            json.loads(row.data),
            row.stamps,
            {"claimed_on": claimed_on.isoformat()},
            hlc=ctx.clock.now(),
            seq=feed.last + 1,
        )
        feed.replace(row, outcome.data, outcome.stamps)
        feed.close()


def test_claims_without_contact_are_released_and_devices_see_it(ctx, make_device):
    a = make_device()
    lead = make_device(role="coordinator")
    silent, contacted = published_wishes(a, lead, ["一台电风扇", "一套课桌椅"])
    claim(lead, silent)
    claim(lead, contacted, "某爱心企业")
    # Only a coordinator records the contact, and only on a claimed wish.
    assert signed(a, "POST", f"/v1/wishes/{contacted.id}/contact", {}).status_code == 403
    kept = signed(lead, "POST", f"/v1/wishes/{contacted.id}/contact", {})
    assert kept.status_code == 200 and kept.json()["contacted_on"] == date.today().isoformat()
    today = date.today()

    assert release_stale_claims(ctx, today + timedelta(days=6)) == []  # 6 days: still kept
    assert stored(ctx, silent.id)["state"] == "claimed"

    runner = CliRunner()
    args = ["release-claims", "--db", ctx.settings.database_url]
    day8 = (today + timedelta(days=8)).isoformat()
    first = runner.invoke(server_app, [*args, "--today", day8])
    assert first.exit_code == 0, first.output
    assert "已释放 1 个" in first.stdout
    again = runner.invoke(server_app, [*args, "--today", day8])
    assert again.exit_code == 0 and "已释放 0 个" in again.stdout

    a.sync()
    released = a.store.get(Wish, silent.id)
    assert released.state == S.PUBLISHED
    assert (released.claimed_by, released.claimed_on) == ("", None)
    assert released.released_on == today + timedelta(days=8)
    still = a.store.get(Wish, contacted.id)
    assert (still.state, still.claimed_by, still.contacted_on) == (S.CLAIMED, "某爱心企业", today)
    with ctx.db.reading() as s:
        [entry] = audit.entries(s, "wish_released")
    assert entry.detail["wish"] == silent.id and entry.detail["claimed_by"] == "金华市慈善总会"
    # A released wish is published again: it can be claimed anew, but not contacted.
    late = signed(lead, "POST", f"/v1/wishes/{silent.id}/contact", {})
    assert late.status_code == 409 and "已认领" in late.json()["message"]
    claim(lead, silent, "第二位捐赠人")
    a.sync()
    assert a.store.get(Wish, silent.id).claimed_by == "第二位捐赠人"


def test_a_bad_day_is_one_sentence(ctx):
    result = CliRunner().invoke(
        server_app, ["release-claims", "--db", ctx.settings.database_url, "--today", "2026-13-01"]
    )
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.output


def test_the_running_server_releases_stale_claims_at_startup(ctx, make_device):
    a = make_device()
    lead = make_device(role="coordinator")
    old, fresh = published_wishes(a, lead, ["一台电风扇", "一副拐杖"])
    claim(lead, old)
    claim(lead, fresh)
    backdate_claim(ctx, old.id, date.today() - timedelta(days=8))
    backdate_claim(ctx, fresh.id, date.today() - timedelta(days=6))
    restarted = ThreadServer(ctx).start()  # a (re)started server runs the release at once
    try:
        deadline = time.monotonic() + 20
        while stored(ctx, old.id)["state"] != "published":
            assert time.monotonic() < deadline, "the running server did not release the claim"
            time.sleep(0.05)
    finally:
        restarted.stop()
    assert stored(ctx, fresh.id)["state"] == "claimed"
    a.sync()
    assert a.store.get(Wish, old.id).state == S.PUBLISHED
    assert a.store.get(Wish, fresh.id).state == S.CLAIMED
