"""Merge rules per record type: the one place the server and the devices take them from.

- Visits and consent events are insert-only: an edit is rejected, a correction is a new
  record (``amends_visit_id``; a withdrawal event for consent).
- Households, persons, needs, referrals and wishes merge per field: a write that saw the
  field's current value (same device, or the server sequence it was based on) applies;
  concurrent writes are decided by HLC, ties by device id (the stamp's node), and the
  value that lost is returned as an `Overwrite` for the conflict log.
- Consent state is folded from the events (``app.domain.consent``); withdrawal wins.
- A consent granted from a device names a purpose of the list (``ConsentEvent.check_create``,
  as on the device); one typed before the list loads and may be withdrawn, but is not
  granted anew.
- Wish state is compare-and-set: a transition applies only from the state it was made
  in and only if legal for a device; publish and claim are made by the server alone.
- What may be created and what may change after creation are rules of the record types
  (``Record.check_create``, ``Record.check_edit`` in ``app.domain.records``), the same
  the device store applies before it queues a change: fields fixed at creation (what a
  record hangs off; a referral's recipient, purpose, direction and data categories),
  fields and wish states only the server writes, visits dated ahead or by another
  worker, a record outside its household's area. A mutation that breaks one is rejected
  whole, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import TypeAdapter, ValidationError

from app.domain.codes import ReferralDirection, WishState
from app.domain.consent import ShareNotAllowed, check_share, state_for, under_14
from app.domain.errors import DoorstepError
from app.domain.recipients import OrganisationRef
from app.domain.records import (
    BOOKKEEPING,
    RECORD_TYPES,
    SERVER,
    ConsentEvent,
    IllegalChange,
    Record,
    Writer,
    check_in_household,
    field_problem,
    problem,
)

WHOLE_RECORD = "*"

FieldStamp = list[Any]  # [hlc, server seq, device id]
Stamps = dict[str, FieldStamp]


class Rejected(DoorstepError):
    """A mutation that cannot be applied: the code and parameters of the reason the device
    shows (the server says it in Chinese, `app.ui.catalogue.message`)."""

    default_code = "push.rejected"


@dataclass(frozen=True)
class Overwrite:
    """A field value that lost to a concurrent write: kept for a coordinator to revert."""

    field: str
    kept: Any
    lost: Any
    kept_hlc: str
    lost_hlc: str
    kept_device: str
    lost_device: str


@dataclass
class Outcome:
    """The merged record, its per-field stamps and what the merge overwrote."""

    data: dict[str, Any]
    stamps: Stamps
    status: str = "applied"
    changed: bool = True
    overwrites: list[Overwrite] = field(default_factory=list)


def validate(
    record_type: str, data: dict[str, Any], changed: Iterable[str] | None = None
) -> Record:
    """The record as the domain model sees it, or Rejected with the first problem. The
    input bounds apply to the `changed` fields of a stored record (None: a new one)."""
    model = _model(record_type)
    try:
        return model.model_validate(data) if changed is None else model.edited(data, changed)
    except ValidationError as exc:
        raise Rejected.like(problem(exc)) from None


def _model(record_type: str) -> type[Record]:
    model = RECORD_TYPES.get(record_type)
    if model is None:
        raise Rejected("push.unknown_type", type=record_type[:32])
    return model


def _check_edit(
    record_type: str, data: dict[str, Any], fields: dict[str, Any], writer: Writer
) -> None:
    try:
        _model(record_type).check_edit(data, fields, writer)
    except IllegalChange as exc:
        raise Rejected.like(exc) from None


def _as_read(record_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The changed `fields` as their types read them (JSON values: a date as its ISO text),
    or Rejected naming the field: the rules (`Record.check_edit`) then see the values they
    expect whatever a tampered app sent, so a number or a malformed text for a date rejects
    that change with its reason, never fails the batch. A name that is no field stays as
    sent, for the record's validation to refuse."""
    out = dict(fields)
    for name, value in fields.items():
        adapter = _field_type(record_type, name)
        if adapter is None:
            continue
        try:
            out[name] = adapter.dump_python(adapter.validate_python(value), mode="json")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in (name, *first.get("loc", ())))
            raise Rejected("record.invalid_at", where=where, problem=field_problem(first)) from None
    return out


@cache
def _field_type(record_type: str, name: str) -> TypeAdapter[Any] | None:
    """The type (with its bounds) of one field of a record type, None for no such field."""
    field = _model(record_type).model_fields.get(name)
    if field is None:
        return None
    if not field.metadata:
        return TypeAdapter(field.annotation)
    return TypeAdapter(Annotated[(field.annotation, *field.metadata)])  # type: ignore[valid-type]


def create(
    record_type: str,
    record_id: str,
    payload: dict[str, Any],
    *,
    hlc: str,
    seq: int,
    device_id: str,
    worker_id: str,
    latest: datetime | None = None,
) -> Outcome:
    """A new record from a device's create mutation; bookkeeping is the server's.

    `worker_id` is the signed device's worker: the author, and the only worker whose
    visits it may record; nothing may be dated after `latest` (the server's clock plus
    its tolerance). The rules are the update path's (`Record.check_create`)."""
    content = {k: v for k, v in payload.items() if k not in BOOKKEEPING}
    data = content | {
        "id": record_id,
        "created_hlc": hlc,
        "updated_hlc": hlc,
        "author_worker_id": worker_id,
        "device_id": device_id,
    }
    record = validate(record_type, data)
    try:
        record.check_create(Writer(latest=latest, worker_id=worker_id))
    except IllegalChange as exc:
        raise Rejected.like(exc) from None
    return Outcome(record.model_dump(mode="json"), {WHOLE_RECORD: [hlc, seq, device_id]})


def check_household(data: dict[str, Any], household_area_code: str) -> None:
    """Rejected unless the new record `data` lies in its household's area, as the device
    checks it before queuing (`app.domain.records.check_in_household`)."""
    try:
        check_in_household(data["area_code"], household_area_code)
    except IllegalChange as exc:
        raise Rejected.like(exc) from None


def same_content(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from bookkeeping (a create sent again after its answer was lost)."""
    skip = set(BOOKKEEPING)
    return {k: v for k, v in a.items() if k not in skip} == {
        k: v for k, v in b.items() if k not in skip
    }


def _stamp_of(stamps: Stamps, name: str) -> FieldStamp:
    return stamps.get(name) or stamps.get(WHOLE_RECORD) or ["", 0, ""]


def update(
    record_type: str,
    data: dict[str, Any],
    stamps: Stamps,
    fields: dict[str, Any],
    *,
    hlc: str,
    base_seq: int,
    seq: int,
    device_id: str,
    reviewer: bool = False,
    latest: datetime | None = None,
    worker_id: str | None = None,
) -> Outcome:
    """Per-field last-writer-wins for the fields a device changed; `reviewer`: the device's
    worker is a coordinator (or above), who may decide on 主动发现 households (as
    `worker_id`, the signed device's worker, when given); nothing may be dated after
    `latest` (the server's clock plus its tolerance), as on create."""
    if record_type == "wish" and "state" in fields:
        raise Rejected("push.wish_state_by_transition")
    return _merge_fields(
        record_type,
        data,
        stamps,
        fields,
        hlc=hlc,
        base_seq=base_seq,
        seq=seq,
        device=device_id,
        writer=Writer(reviewer=reviewer, latest=latest, worker_id=worker_id),
    )


def _merge_fields(
    record_type: str,
    data: dict[str, Any],
    stamps: Stamps,
    fields: dict[str, Any],
    *,
    hlc: str,
    base_seq: int,
    seq: int,
    device: str,
    writer: Writer,
    force: bool = False,
) -> Outcome:
    fields = _as_read(record_type, fields)
    _check_edit(record_type, data, fields, writer)
    new_data = dict(data)
    new_stamps = {k: list(v) for k, v in stamps.items()}
    overwrites: list[Overwrite] = []
    applied: set[str] = set()
    lost = 0
    for name, value in fields.items():
        old_hlc, old_seq, old_device = _stamp_of(stamps, name)
        old_value = data.get(name)
        saw_it = force or old_device == device or old_seq <= base_seq
        if saw_it or hlc > old_hlc:
            if not saw_it and old_value != value:
                overwrites.append(
                    Overwrite(name, value, old_value, hlc, old_hlc, device, old_device)
                )
            new_data[name] = value
            new_stamps[name] = [max(hlc, old_hlc), seq, device]
            applied.add(name)
        else:
            if old_value != value:
                overwrites.append(
                    Overwrite(name, old_value, value, old_hlc, hlc, old_device, device)
                )
            lost += 1
    if applied:
        new_data["updated_hlc"] = max(hlc, str(data.get("updated_hlc", "")))
    # The input bounds hold for the values this change brings, not for those it left.
    merged = validate(record_type, new_data, applied).model_dump(mode="json")
    concurrent = any(
        _stamp_of(stamps, k)[1] > base_seq and _stamp_of(stamps, k)[2] != device
        for k in stamps
        if k not in fields
    )
    status = "conflict" if overwrites else ("merged" if (lost or concurrent) else "applied")
    return Outcome(merged, new_stamps, status, merged != data, overwrites)


def transition(
    data: dict[str, Any],
    stamps: Stamps,
    payload: dict[str, Any],
    *,
    hlc: str,
    seq: int,
    device_id: str,
    on_server: bool = False,
    latest: datetime | None = None,
) -> Outcome:
    """A wish state change, compare-and-set on the state it was made from; the days it
    carries are not after `latest` (a device's change: the server's clock plus its
    tolerance)."""
    try:
        source, target = WishState(payload["from"]), WishState(payload["to"])
    except (KeyError, ValueError):
        raise Rejected("push.transition_states") from None
    fields = payload.get("fields") or {}
    if not isinstance(fields, dict):
        raise Rejected("push.transition_fields")
    fields = {**fields, "state": target.value}
    current = WishState(data["state"])
    if current != source:
        raise Rejected("push.wish_moved", current=current, source=source, target=target)
    return _merge_fields(
        "wish",
        data,
        stamps,
        fields,
        hlc=hlc,
        base_seq=0,
        seq=seq,
        device=device_id,
        writer=SERVER if on_server else Writer(latest=latest),
        force=True,
    )


def server_write(
    record_type: str,
    data: dict[str, Any],
    stamps: Stamps,
    fields: dict[str, Any],
    *,
    hlc: str,
    seq: int,
) -> Outcome:
    """A change made on the server (roster import, conflict revert): it saw everything."""
    return _merge_fields(
        record_type,
        data,
        stamps,
        fields,
        hlc=hlc,
        base_seq=seq,
        seq=seq,
        device="server",
        writer=SERVER,
        force=True,
    )


def check_referral(
    referral: dict[str, Any],
    consent_events: list[dict[str, Any]],
    on: date,
    *,
    recipient: OrganisationRef | None,
    birth_date: date | None = None,
) -> None:
    """A referral to a charity names an active organisation of the county's list
    (`recipient`, looked up by the id it names; None when there is none) and needs
    a consent in force on `on` covering that organisation (or a class it belongs to), its
    purpose and its data categories — given by a guardian for a person under 14."""
    if referral.get("direction") != ReferralDirection.TO_CHARITY.value:
        return
    if recipient is None:
        raise Rejected("push.referral_recipient")
    if not recipient.active:
        raise Rejected("push.referral_recipient_inactive", name=recipient.name)
    events = [ConsentEvent.from_stored(e) for e in consent_events]
    try:
        check_share(
            events,
            referral["person_id"],
            recipient.recipient,
            referral["purpose"],
            referral.get("data_categories") or [],
            on,
            under_14=under_14(birth_date, on),
            recipient_name=recipient.name,
        )
    except ShareNotAllowed as exc:
        raise Rejected("push.referral_consent", problem=exc) from None


def consent_granted(
    events: list[dict[str, Any]], person_id: str, recipient: str, purpose: str
) -> bool:
    """Whether the folded consent state is granted (withdrawal wins over concurrent grants)."""
    parsed = [ConsentEvent.from_stored(e) for e in events]
    return state_for(parsed, person_id, recipient, purpose).granted


def overlay(data: dict[str, Any], pending: list[dict[str, Any]]) -> dict[str, Any]:
    """The server's record with the device's pending mutations replayed on top (by seq).

    Each item of `pending` is ``{"kind", "hlc", "payload"}``; the result is what the
    device shows until the server has answered those mutations.
    """
    out = dict(data)
    for mutation in pending:
        payload = mutation["payload"]
        if mutation["kind"] == "create":
            changes = {k: v for k, v in payload.items() if k not in BOOKKEEPING}
        else:
            changes = dict(payload.get("fields") or {})
            if mutation["kind"] == "transition" and "to" in payload:
                changes["state"] = payload["to"]
        out.update(changes)
        out["updated_hlc"] = max(str(out.get("updated_hlc", "")), mutation["hlc"])
    return out
