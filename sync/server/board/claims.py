"""Claiming a wish from the board (认领): the donor's details checked, the rate limits, the
one winning claim, and the claim code that tells the donor where their claim stands.

Exactly one claim wins: the claim and the wish's move to claimed are one write transaction
(serialised with every other writer, `Database.writing`), and `wish_claims.holding` is
unique, so the database itself refuses a second claim holding the same wish. The rate
limits count attempts in `board_attempts`, so they hold across every API process.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.assets import load_visit_policy
from app.domain.codes import WishState
from app.domain.identity import InvalidPhone, parse_phone
from app.domain.policy import VisitPolicy
from app.domain.records import Wish
from app.domain.wishes import transition as wish_transition
from sync.server.context import ServerContext, set_meta
from sync.server.services import audit
from sync.server.services.feed import Feed
from sync.server.services.review import write_wish
from sync.server.tables import BoardAttempt, BoardWish, JsonText, RecordRow, WishClaim

WINDOW = timedelta(hours=1)
NAME_MAX = 50
DELIVERY_MAX = 200
# Markup or a script in a field is refused, not stored: nothing a donor types needs it.
_SCRIPTY = re.compile(r"[<>]|javascript:|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", re.IGNORECASE)


class ClaimRefused(Exception):
    """A claim not taken, with the one sentence the donor reads and the HTTP status."""

    def __init__(self, sentence: str, status: int = 400) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status


TAKEN = "这个心愿已被认领，谢谢您的爱心，请看看其他心愿。"


@dataclass(frozen=True)
class Donor:
    """Who claims: a name, a phone (normalised), how they will deliver, and the
    organisation when a console account claims for it."""

    name: str
    phone: str
    delivery: str
    organisation_id: str | None = None


def _text(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if not value:
        raise ClaimRefused(f"请填写{what}。")
    if len(value) > limit:
        raise ClaimRefused(f"{what}不能超过 {limit} 个字。")
    if _SCRIPTY.search(value):
        raise ClaimRefused(f"{what}不能包含尖括号、脚本或控制字符。")
    return value


def parse_donor(name: str, phone: str, delivery: str, organisation_id: str | None = None) -> Donor:
    """The donor's details as typed, or `ClaimRefused` naming the first field that is wrong.
    A phone is a mainland mobile (1[3-9] and 9 digits) or a landline with its area code."""
    name = _text(name, NAME_MAX, "姓名或单位名称")
    try:
        number = parse_phone(_text(phone, 20, "联系电话"))
    except InvalidPhone:
        raise ClaimRefused(
            "联系电话不是有效的号码：请填写 11 位手机号（如 13912345678）或带区号的固话（如 0579-82345678）。"
        ) from None
    return Donor(name, number, _text(delivery, DELIVERY_MAX, "送达方式"), organisation_id)


def phone_key(phone: str) -> str:
    """The throttle's key for a phone: its hash, so the attempts table holds no number."""
    return "phone:" + hashlib.sha256(phone.encode()).hexdigest()


def address_key(client: str) -> str:
    return "addr:" + client[:64]


def admit(ctx: ServerContext, key: str, per_hour: int, now: datetime | None = None) -> bool:
    """Count one attempt against `key` unless it already made `per_hour` in the last hour
    (then False, and nothing is counted). Serialised with every writer, so two API
    processes cannot both admit the last attempt of an hour."""
    now = now or datetime.now(UTC)
    with ctx.db.writing() as s:
        s.execute(delete(BoardAttempt).where(col(BoardAttempt.at) < now - WINDOW))
        made = s.execute(
            select(func.count())
            .select_from(BoardAttempt)
            .where(col(BoardAttempt.key) == key, col(BoardAttempt.at) >= now - WINDOW)
        ).scalar_one()
        if int(made) >= per_hour:
            return False
        s.add(BoardAttempt(key=key, at=now))
        return True


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _open_claims(s: Session, phone: str) -> int:
    """Claims by `phone` that hold a wish still waiting for its gift."""
    return int(
        s.execute(
            select(func.count())
            .select_from(WishClaim)
            .join(RecordRow, col(RecordRow.id) == col(WishClaim.holding))
            .where(
                col(WishClaim.donor_phone) == phone,
                JsonText(col(RecordRow.data), "state") == WishState.CLAIMED.value,
            )
        ).scalar_one()
    )


def claim(
    ctx: ServerContext,
    wish_id: str,
    donor: Donor,
    *,
    today: date | None = None,
    policy: VisitPolicy | None = None,
) -> str:
    """Claim a wish of the board for `donor`; returns the claim code (shown once, kept as
    its hash). `ClaimRefused` when the wish is not claimable (`TAKEN` if someone else was
    first) or the phone already holds the policy's number of open claims."""
    today = today or date.today()
    policy = policy or load_visit_policy()
    code = secrets.token_urlsafe(16)
    with ctx.db.writing() as s:
        feed = Feed(s)
        row = feed.get(wish_id[:64])
        if row is None or row.type != "wish" or s.get(BoardWish, row.id) is None:
            raise ClaimRefused("找不到这个心愿，它可能已撤下。", 404)
        wish = Wish.from_stored(row.data)
        if wish.state != WishState.PUBLISHED:
            raise ClaimRefused(TAKEN, 409)
        if _open_claims(s, donor.phone) >= policy.wish_open_claims_per_phone:
            raise ClaimRefused(
                f"同一电话最多同时认领 {policy.wish_open_claims_per_phone} 个心愿，请先完成已认领的心愿。",
                429,
            )
        # A wish back on the board was released: whoever held it before holds it no more.
        s.execute(update(WishClaim).where(col(WishClaim.holding) == row.id).values(holding=None))
        claim_row = WishClaim(
            id=uuid.uuid4().hex,
            wish_id=row.id,
            holding=row.id,
            code_hash=code_hash(code),
            donor_name=donor.name,
            donor_phone=donor.phone,
            delivery=donor.delivery,
            organisation_id=donor.organisation_id,
            created_at=datetime.now(UTC),
        )
        s.add(claim_row)
        try:
            s.flush()
        except IntegrityError:
            raise ClaimRefused(TAKEN, 409) from None
        claimed = wish_transition(
            wish, WishState.CLAIMED, on=today, on_server=True, claimed_by=donor.name
        )
        write_wish(ctx, feed, row, claimed)
        feed.close()
        audit.record(s, "wish_claimed", actor="board", wish=row.id, claim=claim_row.id)
        set_meta(s, "hlc", ctx.clock.last)
    return code


@dataclass(frozen=True)
class ClaimStatus:
    """What the claim code shows: the wish's public title and where the claim stands."""

    title: str
    claimed_on: date
    state: str  # holding: waiting for contact or contacted; fulfilled; released
    contact_by: date | None = None

    @property
    def sentence(self) -> str:
        if self.state == "fulfilled":
            return "心愿已圆梦。感谢您的爱心！"
        if self.state == "released":
            return "此认领已释放：认领后未在期限内联系，心愿已重新开放认领。"
        if self.state == "contacted":
            return "社区已与您联系，请按约定送达心愿。"
        return f"认领成功，社区工作人员将在 {self.contact_by} 前与您联系。"


def claim_status(
    ctx: ServerContext, code: str, *, policy: VisitPolicy | None = None
) -> ClaimStatus | None:
    """The claim a code names (None for an unknown code), read from its wish's state."""
    policy = policy or load_visit_policy()
    if not code or len(code) > 64:
        return None
    with ctx.db.reading() as s:
        found = s.exec(select(WishClaim).where(col(WishClaim.code_hash) == code_hash(code))).first()
        if found is None:
            return None
        listing = s.get(BoardWish, found.wish_id)
        row = s.get(RecordRow, found.wish_id)
        if listing is None or row is None:
            return None
        wish = Wish.from_stored(row.data)
    claimed_on = found.created_at.date()
    if found.holding is None or wish.state in (WishState.PUBLISHED, WishState.CANCELLED):
        state = "released"
    elif wish.state == WishState.FULFILLED:
        state = "fulfilled"
    elif wish.contacted_on is not None:
        state = "contacted"
    else:
        state = "waiting"
    return ClaimStatus(
        title=listing.title,
        claimed_on=claimed_on,
        state=state,
        contact_by=(wish.claimed_on or claimed_on) + timedelta(days=policy.wish_claim_contact_days),
    )
