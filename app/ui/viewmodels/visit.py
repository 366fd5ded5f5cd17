"""New visit (新增探访): a care visit (探访关爱) or the door-knock survey (敲门问需求).

The survey walks through the seven need areas one at a time; a care visit adds needs as
they come up. A micro-wish (微心愿) can be collected on either. Saving writes the visit,
its needs and the wish in one local transaction, so it works offline; the photo is sealed
in the store like every other personal value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from app.domain.campaigns import CampaignError, check_delivered, parse_items, parse_value
from app.domain.codes import (
    CONTACT_OUTCOMES,
    CareKind,
    NeedArea,
    VisitKind,
    VisitMode,
    VisitOutcome,
)
from app.domain.dates import DateError, parse_date
from app.domain.ids import new_id
from app.domain.records import MAX_PHOTO_BYTES, GeoPoint, Need, Record, Visit, Wish, head_of
from app.domain.wishes import OPEN_STATES, InvalidWishValue, parse_wish_value
from app.services.campaigns import Delivered
from app.services.photos import Photo
from app.store.errors import IntegrityError
from app.ui.catalogue import label, message, text
from app.ui.viewmodels.campaigns import open_place
from app.ui.viewmodels.consent import CONSENT_FORM
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.workspace import Workspace

SURVEY_AREAS = tuple(NeedArea)


@dataclass
class NeedDraft:
    area: NeedArea
    description: str = ""
    person_id: str | None = None


class NewVisitVM:
    """The visit form's state, its checks, and `save()`."""

    def __init__(
        self,
        workspace: Workspace,
        household_id: str,
        lang: str = "zh",
        kind: VisitKind = VisitKind.CARE,
    ) -> None:
        self.ws = workspace
        self.lang = lang
        self.household = workspace.households.get(household_id)
        self.members = workspace.households.members(household_id)
        self.kind = kind
        # A household still to visit on a festival list: the visit records what it delivered.
        self.place = open_place(workspace, household_id)
        self._clear()
        self._blank = self.draft()
        self._kept: dict[str, Any] | None = None
        self._resume()

    def _clear(self) -> None:
        """Every field as a new form has it."""
        self.mode = VisitMode.HOME
        self.outcome: VisitOutcome | None = None
        self.care: set[CareKind] = set()
        self.observations = ""
        self.companions = ""
        self.visited_on = self.ws.today()
        self.visited_on_text = self.visited_on.isoformat()
        self.gps: GeoPoint | None = None
        self.photo: bytes | None = None
        self.photo_mime = "image/jpeg"
        self.needs: list[NeedDraft] = []
        self.survey: dict[NeedArea, str] = {}
        self.survey_step = 0
        self.survey_typed = ""  # typed for the current area, not yet confirmed
        self.wish_title = ""
        self.wish_value = ""
        self.wish_description = ""
        self.delivered_items = ""
        self.delivered_value = ""
        self.errors: dict[str, str] = {}
        self.message = ""
        self.restored: datetime | None = None  # when the draft this form resumed was kept
        self.photo_lost = False  # the resumed draft had a photo: it must be taken again
        self.saved = False

    # --- the draft: kept sealed at every change, so a lock or restart loses nothing ----

    @property
    def draft_form(self) -> str:
        return self.kind.value

    def draft(self) -> dict[str, Any]:
        """What the form holds, as JSON (the photo is not kept: it is only noted)."""
        return {
            "mode": self.mode.value,
            "outcome": self.outcome.value if self.outcome else None,
            "care": sorted(c.value for c in self.care),
            "observations": self.observations,
            "companions": self.companions,
            "visited_on": self.visited_on_text,
            "gps": self.gps.model_dump() if self.gps else None,
            "photo": self.photo is not None,
            "needs": [[n.area.value, n.description, n.person_id] for n in self.needs],
            "survey": {a.value: d for a, d in self.survey.items()},
            "survey_step": self.survey_step,
            "survey_typed": self.survey_typed,
            "wish": [self.wish_title, self.wish_value, self.wish_description],
            "delivered": [self.delivered_items, self.delivered_value],
        }

    def is_blank(self) -> bool:
        """Nothing typed or chosen yet: no draft is worth keeping."""
        return self.draft() == self._blank

    def keep_draft(self) -> None:
        """Write the draft if it changed since last kept (an untouched form keeps none)."""
        content = self.draft()
        if self.saved or content == self._kept:
            return
        if content == self._blank:
            if self._kept is not None:
                self.ws.drafts.discard(self.draft_form, self.household.id)
        else:
            self.ws.drafts.keep(self.draft_form, self.household.id, content, self.ws.now())
        self._kept = content

    def discard_draft(self) -> None:
        """Throw the kept draft away and start the form again."""
        self.ws.drafts.discard(self.draft_form, self.household.id)
        self._clear()
        self._kept = None

    def _resume(self) -> None:
        kept = self.ws.drafts.find(self.draft_form, self.household.id)
        if kept is None:
            return
        f = kept.content
        try:
            self.mode = VisitMode(f["mode"])
            self.outcome = VisitOutcome(f["outcome"]) if f["outcome"] else None
            self.care = {CareKind(c) for c in f["care"]}
            self.observations, self.companions = str(f["observations"]), str(f["companions"])
            self.visited_on_text = str(f["visited_on"])
            self.gps = GeoPoint(**f["gps"]) if f["gps"] else None
            self.needs = [NeedDraft(NeedArea(a), str(d), p) for a, d, p in f["needs"]]
            self.survey = {NeedArea(a): str(d) for a, d in f["survey"].items()}
            self.survey_step = int(f["survey_step"])
            self.survey_typed = str(f["survey_typed"])
            self.wish_title, self.wish_value, self.wish_description = map(str, f["wish"])
            # A draft kept before festival lists has no delivery.
            self.delivered_items, self.delivered_value = map(str, f.get("delivered", ["", ""]))
        except (KeyError, TypeError, ValueError):
            raise IntegrityError("drafts", kept.key, "content") from None
        self._date_problem()
        self.photo_lost = bool(f["photo"])
        self.restored = kept.saved_at
        self._kept = kept.content

    @property
    def campaign_title(self) -> str:
        """The festival list this visit delivers for ("" when the household is on none)."""
        if self.place is None:
            return ""
        return text("campaigns.list_for", self.lang, name=self.place[1].name)

    @property
    def title(self) -> str:
        head = head_of(self.members)
        return head.name if head else self.household.address

    def set_mode(self, mode: str) -> None:
        self.mode = VisitMode(mode)

    def set_outcome(self, outcome: str) -> None:
        self.outcome = VisitOutcome(outcome)
        self.errors.pop("outcome", None)

    def toggle_care(self, code: str, on: bool) -> None:
        (self.care.add if on else self.care.discard)(CareKind(code))
        if self.care:
            self.errors.pop("care", None)

    def set_visited_on(self, value: date | str) -> None:
        """A date picked or typed (any form `parse_date` reads); a wrong one is named in
        `errors` at once and blocks saving until it is corrected."""
        self.visited_on_text = value.isoformat() if isinstance(value, date) else value
        problem = self._date_problem()
        if problem:
            self.errors["visited_on"] = problem
        else:
            self.errors.pop("visited_on", None)

    def _date_problem(self) -> str:
        try:
            self.visited_on = parse_date(
                self.visited_on_text, self.ws.today(), not_after=self.ws.today()
            )
        except DateError as exc:
            return message(exc, self.lang)
        return ""

    # --- needs (care visit) -------------------------------------------------------------

    def add_need(self, area: str = NeedArea.LIVING.value) -> None:
        self.needs.append(NeedDraft(NeedArea(area)))

    def remove_need(self, index: int) -> None:
        if 0 <= index < len(self.needs):
            del self.needs[index]
            self.errors = {k: v for k, v in self.errors.items() if not k.startswith("need.")}

    def set_need_area(self, index: int, area: str) -> None:
        self.needs[index].area = NeedArea(area)

    def set_need_description(self, index: int, value: str) -> None:
        self.needs[index].description = value
        if value.strip():
            self.errors.pop(f"need.{index}", None)

    # --- the door-knock survey ------------------------------------------------------------

    @property
    def survey_area(self) -> NeedArea | None:
        """The area being asked about, or None once all seven are done."""
        return SURVEY_AREAS[self.survey_step] if self.survey_step < len(SURVEY_AREAS) else None

    @property
    def survey_progress(self) -> str:
        step = min(self.survey_step + 1, len(SURVEY_AREAS))
        return text("visit.survey_step", self.lang, n=step, total=len(SURVEY_AREAS))

    def survey_answer(self, description: str) -> None:
        """The need stated for the current area ("" for none); moves to the next area."""
        area = self.survey_area
        if area is None:
            return
        if description.strip():
            self.survey[area] = description.strip()
        else:
            self.survey.pop(area, None)
        self.survey_step += 1
        self.survey_typed = self._answered()

    def survey_back(self) -> None:
        self.survey_step = max(0, self.survey_step - 1)
        self.survey_typed = self._answered()

    def _answered(self) -> str:
        area = self.survey_area
        return self.survey.get(area, "") if area is not None else ""

    def survey_summary(self) -> list[tuple[str, str]]:
        return [(label(a, self.lang), d) for a, d in self.survey.items()]

    # --- GPS and photo ---------------------------------------------------------------

    def set_gps(self, lat: float, lon: float, accuracy_m: float | None = None) -> bool:
        """Keep the position the platform reported; an accuracy it could not state
        (infinite, negative) is left out, and a point off the globe is not kept (False)."""
        try:
            accuracy = GeoPoint(lat=0, lon=0, accuracy_m=accuracy_m).accuracy_m
        except ValidationError:
            accuracy = None
        try:
            self.gps = GeoPoint(lat=lat, lon=lon, accuracy_m=accuracy)
        except ValidationError:
            self.message = text("visit.no_location", self.lang)
            return False
        return True

    def clear_gps(self) -> None:
        self.gps = None

    @property
    def gps_line(self) -> str:
        if self.gps is None:
            return text("visit.no_gps", self.lang)
        acc = f" ±{self.gps.accuracy_m:.0f} m" if self.gps.accuracy_m is not None else ""
        return f"{self.gps.lat:.5f}, {self.gps.lon:.5f}{acc}"

    def set_photo(self, content: bytes, mime: str = "image/jpeg") -> None:
        if len(content) > MAX_PHOTO_BYTES:
            self.message = text(
                "visit.photo_too_big", self.lang, mb=MAX_PHOTO_BYTES // (1024 * 1024)
            )
            return
        self.photo, self.photo_mime = content, mime

    def clear_photo(self) -> None:
        self.photo = None

    # --- checks and saving ------------------------------------------------------------

    def warnings(self) -> list[str]:
        """Not blocking: what a coordinator will question when reviewing the wish."""
        out = []
        if self.wish_title.strip():
            wishes = self.ws.visits.wishes(self.household.id)
            if any(w.state in OPEN_STATES for w in wishes):
                out.append(text("visit.wish_open_exists", self.lang))
        return out

    def validate(self) -> dict[str, str]:
        """Per field, what is missing or wrong; empty when the visit can be saved."""
        errors: dict[str, str] = {}
        problem = self._date_problem()
        if problem:
            errors["visited_on"] = problem
        if self.outcome is None:
            errors["outcome"] = text("form.choose", self.lang)
        elif self.kind == VisitKind.CARE and self.outcome == VisitOutcome.MET and not self.care:
            errors["care"] = text("form.choose_one", self.lang)
        for i, need in enumerate(self.needs):
            if not need.description.strip():
                errors[f"need.{i}"] = text("form.required", self.lang)
        if self.wish_title.strip() or self.wish_value.strip() or self.wish_description.strip():
            if not self.wish_title.strip():
                errors["wish_title"] = text("form.required", self.lang)
            try:
                parse_wish_value(self.wish_value, self.ws.policy)
            except InvalidWishValue as exc:
                errors["wish_value"] = message(exc, self.lang)
        if self.place is not None:
            try:
                check_delivered(self.outcome == VisitOutcome.MET, self._items())
            except CampaignError as exc:
                errors["delivered_items"] = message(exc, self.lang)
            try:
                parse_value(self.delivered_value)
            except CampaignError as exc:
                errors["delivered_value"] = message(exc, self.lang)
        return errors

    def _items(self) -> list[str]:
        return parse_items(self.delivered_items)

    def _delivered(self) -> Delivered | None:
        """What the visit delivered for its festival list, when it reached someone."""
        if self.place is None or self.outcome not in CONTACT_OUTCOMES:
            return None
        return Delivered(self.place[0].id, tuple(self._items()), parse_value(self.delivered_value))

    def field_name(self, key: str) -> str:
        return text("visit.need" if key.startswith("need.") else f"visit.{key}", self.lang)

    def save(self) -> Visit | None:
        """Write the visit with its needs and wish; None (and `errors`) if something is missing."""
        self.message = ""
        self.errors = self.validate()
        if self.errors:
            names = "、".join(dict.fromkeys(self.field_name(k) for k in self.errors))
            self.message = text("form.fix_named", self.lang, fields=names)
            return None
        try:
            visit, records = self._records()
            photo = None if self.photo is None else Photo(self.photo, self.photo_mime)
            saved_visit = self.ws.visits.save(
                visit, records, photo, self.draft_form, self._delivered()
            )
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
        self._kept = None
        self.saved = True
        self.ws.roster.add_visit(saved_visit)
        self.ws.forget_status(self.household.id)
        return saved_visit

    def _records(self) -> tuple[Visit, list[Record]]:
        """Build and validate everything before anything is written."""
        now = self.ws.now()
        when = (
            now if self.visited_on == now.date() else datetime.combine(self.visited_on, now.time())
        )
        assert self.outcome is not None
        visit = Visit(
            id=new_id(),
            area_code=self.household.area_code,
            household_id=self.household.id,
            kind=self.kind,
            visited_at=when,
            worker_id=self.ws.profile.worker_id,
            team=self.ws.profile.team,
            companions=[c for c in _split(self.companions) if c],
            mode=self.mode,
            outcome=self.outcome,
            care=sorted(self.care),
            observations=self.observations,
            gps=self.gps,
        )
        drafts = list(self.needs)
        if self.kind == VisitKind.KNOCK:
            drafts += [NeedDraft(area, description) for area, description in self.survey.items()]
        records: list[Record] = [
            Need(
                area_code=self.household.area_code,
                household_id=self.household.id,
                person_id=d.person_id,
                visit_id=visit.id,
                area=d.area,
                description=d.description.strip(),
                raised_on=self.visited_on,
            )
            for d in drafts
        ]
        if self.wish_title.strip():
            records.append(
                Wish(
                    area_code=self.household.area_code,
                    household_id=self.household.id,
                    title=self.wish_title,
                    description=self.wish_description,
                    value_yuan=_int(self.wish_value) or 0,
                    collected_on=self.visited_on,
                )
            )
        return visit, records


@dataclass(frozen=True)
class KeptVisit:
    """A form kept as a draft, as the resume offer names it: a visit or survey (`kind`),
    or the consent form (`kind` None)."""

    household_id: str
    kind: VisitKind | None
    line: str  # e.g. "欧阳秀兰 · 探访关爱 · 05-20 10:30"

    @property
    def form(self) -> str:
        return self.kind.value if self.kind is not None else CONSENT_FORM


def kept_visits(ws: Workspace, lang: str = "zh") -> list[KeptVisit]:
    """The unsaved visit, survey and consent forms of my households, the most recent first."""
    out = []
    for draft in ws.drafts.every():
        if draft.household_id not in ws.roster.households:
            continue
        if draft.form in VisitKind._value2member_map_:
            kind: VisitKind | None = VisitKind(draft.form)
            what = label(VisitKind(draft.form), lang)
        elif draft.form == CONSENT_FORM:
            kind, what = None, text("consent.title", lang)
        else:
            continue
        name = ws.household_title(draft.household_id)
        when = draft.saved_at.strftime("%m-%d %H:%M")
        out.append(KeptVisit(draft.household_id, kind, f"{name} · {what} · {when}"))
    return out


def discard_kept_visit(ws: Workspace, kept: KeptVisit) -> None:
    """Throw away an unsaved form without opening it."""
    ws.drafts.discard(kept.form, kept.household_id)


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _split(value: str) -> list[str]:
    for sep in ("，", "、", ";", "；"):
        value = value.replace(sep, ",")
    return [part.strip() for part in value.split(",")]
