"""The referrals of a household or of one need, as the household and needs screens show them."""

from __future__ import annotations

import flet as ft

from app.ui import widgets as w
from app.ui.viewmodels.referral import ReferralLine
from app.ui.views.base import Screen


def referral_section(screen: Screen, lines: list[ReferralLine]) -> list[ft.Control]:
    """The referrals of a household (or of one need) as the household and need screens show
    them: status, organisation, purpose, what is shared, the outcome, and 超期未答复 to a
    coordinator. Stacked at every width (FLET-NOTES.md: no expanded child in a wrapping row)."""
    if not lines:
        return [w.muted(screen.t("household.no_referrals"))]
    out: list[ft.Control] = []
    for r in lines:
        colour = STATUS_COLOURS.get(r.status.value, ft.Colors.GREY_700)
        head: list[ft.Control] = [w.pill(r.status_text, colour)]
        if r.overdue:
            head.append(w.pill(screen.t("referral.overdue"), ft.Colors.RED_700))
        head.append(w.muted(r.referred_on.isoformat()))
        rows: list[ft.Control] = [
            ft.Row(head, wrap=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
            w.body(f"{r.person} → {r.recipient}" if r.person else r.recipient, size=w.SMALL),
            w.muted(f"{r.purpose} · {r.categories}"),
        ]
        if r.outcome:
            rows.append(w.body(r.outcome, size=w.SMALL))
        out.append(
            ft.Container(
                ft.Column(rows, spacing=2, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                padding=ft.Padding.only(left=10, bottom=6),
                border=ft.Border.only(left=ft.BorderSide(3, colour)),
            )
        )
    return out


STATUS_COLOURS = {
    "sent": ft.Colors.BLUE_700,
    "accepted": ft.Colors.TEAL_700,
    "completed": ft.Colors.GREEN_700,
    "declined": ft.Colors.GREY_700,
}
