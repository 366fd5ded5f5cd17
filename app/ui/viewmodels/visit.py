"""New visit (新增探访): a care visit (探访关爱) or the door-knock survey (敲门问需求).

The survey walks through the seven need areas one at a time; a care visit adds needs as
they come up. A micro-wish (微心愿) can be collected on either. Saving writes the visit,
its needs and the wish in one local transaction, so it works offline; the photo is sealed
in the store like every other personal value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain.codes import CareKind, NeedArea, VisitKind, VisitMode, VisitOutcome
from app.domain.ids import new_id
from app.domain.labels import label, text
from app.domain.records import GeoPoint, Household, Need, Person, Record, Visit, Wish, head_of
from app.domain.wishes import OPEN_STATES, parse_wish_value
from app.ui.viewmodels.errors import user_message
from app.ui.viewmodels.workspace import Workspace

SURVEY_AREAS = tuple(NeedArea)
MAX_PHOTO_BYTES = 8 * 1024 * 1024


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
        self.household = workspace.store.get(Household, household_id)
        self.members = workspace.store.load_all(Person, household_id=household_id)
        self.kind = kind
        self.mode = VisitMode.HOME
        self.outcome: VisitOutcome | None = None
        self.care: set[CareKind] = set()
        self.observations = ""
        self.companions = ""
        self.visited_on = workspace.today()
        self.gps: GeoPoint | None = None
        self.photo: bytes | None = None
        self.photo_mime = "image/jpeg"
        self.needs: list[NeedDraft] = []
        self.survey: dict[NeedArea, str] = {}
        self.survey_step = 0
        self.wish_title = ""
        self.wish_value = ""
        self.wish_description = ""
        self.errors: dict[str, str] = {}
        self.message = ""

    @property
    def title(self) -> str:
        head = head_of(self.members)
        return head.name if head else self.household.address

    def set_kind(self, kind: str) -> None:
        self.kind = VisitKind(kind)

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
        try:
            self.visited_on = value if isinstance(value, date) else date.fromisoformat(value)
            self.errors.pop("visited_on", None)
        except ValueError:
            self.errors["visited_on"] = text("form.bad_date", self.lang)

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

    def survey_back(self) -> None:
        self.survey_step = max(0, self.survey_step - 1)

    def survey_summary(self) -> list[tuple[str, str]]:
        return [(label(a, self.lang), d) for a, d in self.survey.items()]

    # --- GPS and photo ---------------------------------------------------------------

    def set_gps(self, lat: float, lon: float, accuracy_m: float | None = None) -> None:
        self.gps = GeoPoint(lat=lat, lon=lon, accuracy_m=accuracy_m)

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
            self.message = text("visit.photo_too_big", self.lang)
            return
        self.photo, self.photo_mime = content, mime

    def clear_photo(self) -> None:
        self.photo = None

    # --- checks and saving ------------------------------------------------------------

    def warnings(self) -> list[str]:
        """Not blocking: what a coordinator will question when reviewing the wish."""
        out = []
        if self.wish_title.strip():
            wishes = self.ws.store.load_all(Wish, household_id=self.household.id)
            if any(w.state in OPEN_STATES for w in wishes):
                out.append(text("visit.wish_open_exists", self.lang))
        return out

    def validate(self) -> dict[str, str]:
        """Per field, what is missing or wrong; empty when the visit can be saved."""
        errors: dict[str, str] = {}
        if self.visited_on > self.ws.today():
            errors["visited_on"] = text("visit.future_date", self.lang)
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
            except ValueError as exc:
                errors["wish_value"] = str(exc)
        return errors

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
            if self.photo is not None:
                visit = visit.model_copy(
                    update={
                        "photo_id": self.ws.store.put_photo(visit.id, self.photo, self.photo_mime)
                    }
                )
            saved = self.ws.store.add_many([visit, *records])
        except Exception as exc:
            self.message = user_message(exc, self.lang)
            return None
        saved_visit = saved[0]
        assert isinstance(saved_visit, Visit)
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


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except ValueError:
        return None


def _split(value: str) -> list[str]:
    for sep in ("，", "、", ";", "；"):
        value = value.replace(sep, ",")
    return [part.strip() for part in value.split(",")]
