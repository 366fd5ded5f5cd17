"""Publishing a wish to the board (发布): the server-only transition approved → published,
with its public listing, refused while the title or story names the household.

Both ways in use it: the signed device endpoint (`POST /v1/wishes/{id}/publish`) and the
console's page for coordinators (`/console/wishes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from app.domain.codes import NeedArea, WishState
from app.domain.errors import DoorstepError
from app.domain.records import Household, Person, Wish
from app.domain.wishes import IllegalTransition, PersonalValues, story_problems
from app.domain.wishes import transition as wish_transition
from app.ui.catalogue import message
from sync.server.context import ServerContext, set_meta
from sync.server.errors import BadRequest
from sync.server.errors import Conflict as ConflictError
from sync.server.scope import in_scope
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.services.review import wish_row, write_wish
from sync.server.tables import Area, BoardWish, JsonText, RecordRow


class StoryRefused(BadRequest):
    """The wish's public title or story names its household; `problems` say how."""

    code = "story_refused"

    def __init__(self, problems: list[DoorstepError]) -> None:
        self.problems = [message(p) for p in problems]
        super().__init__("；".join(self.problems) + "。")


@dataclass(frozen=True)
class Approved:
    """A wish a coordinator may publish (when `state` is approved), with its default
    public story."""

    wish_id: str
    title: str
    value_yuan: int
    area_code: str
    story: str
    state: WishState = WishState.APPROVED


def personal_values(session: Session, household_id: str) -> PersonalValues:
    """The household's identifying values: members' names, ID numbers and phones, the
    address and the village's name."""
    rows = session.exec(
        select(RecordRow).where(
            col(RecordRow.household_id) == household_id,
            col(RecordRow.type).in_(("household", "person")),
        )
    )
    names, ids, phones, places = [], [], [], []
    for row in rows:
        if row.type == "household":
            h = Household.from_stored(row.data)
            places.append(h.address)
            phones.append(h.phone)
            village = session.get(Area, h.area_code)
            if village is not None:
                places.append(village.name)
        else:
            p = Person.from_stored(row.data)
            if len(p.name) >= 2:
                names.append(p.name)
            ids.append(p.id_number or "")
            phones.append(p.phone)
    return PersonalValues(tuple(names), tuple(ids), tuple(phones), tuple(places))


def publish(
    ctx: ServerContext,
    actor: str,
    wish_id: str,
    *,
    need_area: NeedArea = NeedArea.WISH,
    story: str | None = None,
    areas: tuple[str, ...] | None,
    today: date | None = None,
) -> dict[str, object]:
    """Publish an approved wish in `areas` (None: anywhere) with its public story (the
    wish's description when None), as one change devices receive and one board listing.

    Refused (`StoryRefused`, nothing written) while the title or story names the household;
    `NotFound` outside the scope, `Conflict` when the wish is not approved."""
    today = today or date.today()
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = wish_row(feed, wish_id, areas)
        wish = Wish.from_stored(row.data)
        public_story = (wish.description if story is None else story).strip()
        if wish.state != WishState.APPROVED:
            moved = IllegalTransition(
                "wish.transition", current=wish.state, target=WishState.PUBLISHED
            )
            raise ConflictError(message(moved))
        problems = screen(s, wish.model_copy(update={"story": public_story}))
        if problems:
            raise StoryRefused(problems)
        published = wish_transition(
            wish,
            WishState.PUBLISHED,
            on=today,
            on_server=True,
            need_area=need_area,
            story=public_story,
        )
        data = write_wish(ctx, feed, row, published)
        feed.close()
        list_on_board(s, row.area_code, published, actor)
        set_meta(s, "hlc", ctx.clock.last)
        return data


def screen(s: Session, wish: Wish) -> list[DoorstepError]:
    """Why `wish`'s public title and story may not be published (too long, or naming its
    household): the domain's rule over the household's values as the server holds them."""
    return story_problems(f"{wish.title}\n{wish.story}", personal_values(s, wish.household_id))


def list_on_board(s: Session, area_code: str, wish: Wish, actor: str) -> None:
    """Put a published wish on the board with its published minimum (the township, never
    the village), and audit who published it. Its story was screened (`screen`)."""
    s.merge(
        BoardWish(
            wish_id=wish.id,
            township_code=area_code[:9],
            need_area=wish.need_area.value,
            value_yuan=wish.value_yuan,
            title=wish.title,
            story=wish.story,
            published_by=actor,
            published_at=datetime.now(UTC),
        )
    )
    audit.record(s, "wish_published", actor=actor, wish=wish.id)


def approved_wishes(ctx: ServerContext, areas: tuple[str, ...], limit: int = 200) -> list[Approved]:
    """Approved wishes in `areas`, oldest first: what a coordinator may publish."""
    with ctx.db.reading() as s:
        rows = s.exec(
            select(RecordRow)
            .where(
                col(RecordRow.type) == "wish",
                JsonText(col(RecordRow.data), "state") == WishState.APPROVED.value,
            )
            .order_by(col(RecordRow.seq))
        )
        found = []
        for row in rows:
            if not in_scope(row.area_code, areas):
                continue
            wish = Wish.from_stored(row.data)
            found.append(
                Approved(wish.id, wish.title, wish.value_yuan, row.area_code, wish.description)
            )
            if len(found) >= limit:
                break
        return found


def wish_to_publish(ctx: ServerContext, wish_id: str, areas: tuple[str, ...]) -> Approved | None:
    """One wish in `areas` (its state says whether it may be published), or None."""
    with ctx.db.reading() as s:
        row = s.get(RecordRow, wish_id[:64])
    if row is None or row.type != "wish" or not in_scope(row.area_code, areas):
        return None
    wish = Wish.from_stored(row.data)
    return Approved(
        wish.id, wish.title, wish.value_yuan, row.area_code, wish.description, wish.state
    )


def publish_approved(ctx: ServerContext, areas: tuple[str, ...], *, actor: str) -> int:
    """Publish every approved wish in `areas` with its description as the story, leaving
    those whose story the screening refuses approved (the demo's board). Returns how many."""
    published = 0
    for wish in approved_wishes(ctx, areas, limit=10_000):
        try:
            publish(ctx, actor, wish.wish_id, areas=areas)
        except StoryRefused:
            continue
        published += 1
    return published
