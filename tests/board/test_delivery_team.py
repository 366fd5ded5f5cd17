"""小特帮扶服务队: an organisation of the kind `delivery_team`, assigned a claimed wish by a
coordinator on the console (`/console/wishes/claimed`); the wish carries the team to the
devices. Only a claimed wish of the coordinator's areas, and only a team serving its area."""

from __future__ import annotations

from sync.server.board import claims
from sync.server.context import ServerContext
from sync.server.services.organisations import OrganisationInput, add_organisation
from tests.board.seed import OTHER_TOWNSHIP, TOWNSHIP, seed_board, wish_state
from tests.console.conftest import browser as console_browser
from tests.console.conftest import csrf_of, log_in, make_accounts


def team(ctx: ServerContext, name: str, area: str, code: str) -> str:
    return add_organisation(
        ctx, OrganisationInput(name, "delivery_team", code, [area], ["wish"])
    ).id


def test_a_coordinator_assigns_a_claimed_wish_to_a_team_serving_its_area(ctx, server) -> None:  # type: ignore[no-untyped-def]
    seeded = seed_board(ctx, 6)
    made = make_accounts(ctx)
    near = team(ctx, "安地镇小特帮扶服务队", TOWNSHIP, "91330702MA2D000019")
    far = team(ctx, "孝顺镇小特帮扶服务队", OTHER_TOWNSHIP, "91330703MA2D00002T")
    wish_id = next(
        w for w in seeded.wish_ids if wish_state(ctx, w)["area_code"].startswith(TOWNSHIP)
    )
    open_id = next(
        w
        for w in seeded.wish_ids
        if w != wish_id and wish_state(ctx, w)["area_code"].startswith(TOWNSHIP)
    )
    claims.claim(ctx, wish_id, claims.parse_donor("陈爱心", "13957912345", "周六送到社区"))
    with console_browser(server) as lead:
        assert log_in(lead, made.usernames["coordinator"]).status_code == 303
        page = lead.get("/console/wishes/claimed")
        assert page.status_code == 200
        # The donor with the phone masked, and only the team that serves the wish's area.
        assert (
            "陈爱心" in page.text and "139****2345" in page.text and "13957912345" not in page.text
        )
        assert "安地镇小特帮扶服务队" in page.text and "孝顺镇小特帮扶服务队" not in page.text
        url = f"/console/wishes/{wish_id}/assign"
        csrf = csrf_of(page.text)
        wrong = lead.post(url, data={"csrf": csrf, "team": far})
        assert wrong.status_code == 303 and "error=" in wrong.headers["location"]
        assert wish_state(ctx, wish_id)["delivery_team"] == ""
        assert "找不到服务该地区的小特帮扶服务队" in lead.get(wrong.headers["location"]).text
        not_claimed = lead.post(
            f"/console/wishes/{open_id}/assign", data={"csrf": csrf, "team": near}
        )
        assert "error=" in not_claimed.headers["location"]
        assert "只有已认领的心愿可以指派" in lead.get(not_claimed.headers["location"]).text
        done = lead.post(url, data={"csrf": csrf, "team": near})
        assert done.status_code == 303 and done.headers["location"].endswith("assigned=1")
        after = lead.get(done.headers["location"]).text
        assert "已指派小特帮扶服务队" in after and "小特帮扶服务队：安地镇小特帮扶服务队" in after
        # No CSRF token: refused, nothing changes.
        assert lead.post(url, data={"team": near}).status_code == 403
    stored = wish_state(ctx, wish_id)
    assert (stored["delivery_team"], stored["delivery_team_id"]) == ("安地镇小特帮扶服务队", near)
