"""主动发现待确认: a coordinator's queue of reported households (found by a worker, or referred
by a charity), each with who found it, when and why; confirm it (matched against the
register by ID number), start an assistance application, or dismiss it with a reason.
Each decision is an edit of the household that syncs (`app.services.discoveries`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.codes import DiscoveryReview
from app.services.discoveries import Found
from app.ui.catalogue import label, text
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.workspace import Workspace


@dataclass(frozen=True)
class FoundLine:
    """One reported household as the queue shows it."""

    household_id: str
    title: str  # the head's name · the address
    found_by: str
    found_on: str
    why: str
    village: str
    status: str  # "" awaiting, or the label of an application started
    match: bool  # its ID number is on a registered household here: confirming merges
    can_apply: bool


@dataclass
class DiscoveriesVM:
    """The queue; only coordinators (and above) decide."""

    ws: Workspace
    lang: str = "zh"
    lines: list[FoundLine] = field(default_factory=list)
    message: str = ""

    def __post_init__(self) -> None:
        self.reload()

    @property
    def may_decide(self) -> bool:
        return self.ws.profile.is_coordinator

    def reload(self) -> None:
        self.lines = [self._line(f) for f in self.ws.discoveries.queue()]

    def _line(self, found: Found) -> FoundLine:
        h = found.household
        head = found.head.name if found.head is not None else text("discoveries.no_head", self.lang)
        if found.by_charity:
            by = text(
                "discoveries.by_charity",
                self.lang,
                name=found.found_by or text("discoveries.a_charity", self.lang),
            )
        elif found.found_by:
            by = found.found_by
        elif h.author_worker_id == self.ws.profile.worker_id:
            by = self.ws.profile.name
        else:
            by = text("discoveries.a_worker", self.lang)
        return FoundLine(
            household_id=h.id,
            title=f"{head} · {h.address}",
            found_by=by,
            found_on=found.found_on.isoformat() if found.found_on else "—",
            why=h.notes or "—",
            village=self.ws.area_name(h.area_code),
            status=label(h.review_status, self.lang) if h.review_status else "",
            match=found.match is not None,
            can_apply=h.review_status is None,
        )

    def decide(self, household_id: str, review: DiscoveryReview, reason: str = "") -> bool:
        """Write the decision; False (with `message`) when it was not taken."""
        self.message = ""
        if not self.may_decide:
            self.message = text("discoveries.coordinators_only", self.lang)
            return False
        try:
            saved = self.ws.discoveries.decide(
                household_id,
                review,
                on=self.ws.today(),
                by=self.ws.profile.worker_id,
                reason=reason,
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return False
        self.ws.roster.put_household(saved)
        self.ws.forget_status(household_id)
        self.reload()
        self.message = text(f"discoveries.done_{review.value}", self.lang)
        return True
