"""The console's pages for the county's reference data (organisations, service projects),
in one shape: the list (stopped ones on request), a form to register one, the same form to
edit one, and stopping or resuming it.

A feature declares its pages by subclassing `ReferencePages` with its words, its form's
fields and its service calls; `router()` gives the six routes, named `<plural>`,
`<singular>_new`, `_create`, `_edit`, `_update` and `_active` (the role matrix's names).
The list and form templates extend `reference_list.html` and `reference_form.html`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sync.server.console.access import PageNotFound
from sync.server.console.web import PREFIX, render, see_other
from sync.server.errors import ApiError, NotFound

Item = TypeVar("Item")
Entered = TypeVar("Entered")
CHOICES_MAX = 50  # ticked boxes a form field may send


@dataclass(frozen=True)
class Words:
    """What the pages call things (Chinese UI labels)."""

    list_title: str  # 帮扶机构
    new_title: str  # 登记机构
    edit_title: str  # 编辑机构
    stop: str  # 停用 (the button; the list says 已停用)
    back: str  # 返回机构列表
    empty: str  # 还没有登记的机构。


@dataclass(frozen=True)
class FormField:
    """One field of the form: its name, its label (for a refusal), how many characters it
    takes, and whether it is ticked boxes (a list of values)."""

    name: str
    label: str
    max_chars: int
    many: bool = False


Values = dict[str, Any]  # a form's values by field name: str, or list[str] for `many`
Flag = Annotated[bool, Form()]


class ReferencePages(ABC, Generic[Item, Entered]):
    """One kind of reference data's console pages; subclasses say what differs."""

    singular: str  # "organisation": the route names' stem
    plural: str  # "organisations": the address and the list's name
    list_template: str
    form_template: str
    words: Words
    fields: tuple[FormField, ...]

    # --- what each kind says -----------------------------------------------------------

    @abstractmethod
    def items(self, request: Request, include_inactive: bool) -> list[Item]: ...

    @abstractmethod
    def find(self, request: Request, item_id: str) -> Item:
        """The item this account may see (NotFound otherwise)."""

    @abstractmethod
    def item_id(self, item: Item) -> str: ...

    @abstractmethod
    def blank(self, request: Request) -> Entered: ...

    @abstractmethod
    def entered(self, request: Request, values: Values) -> Entered: ...

    @abstractmethod
    def as_entered(self, item: Item) -> Entered: ...

    @abstractmethod
    def add(self, request: Request, entered: Entered) -> object: ...

    @abstractmethod
    def update(self, request: Request, item_id: str, entered: Entered) -> object: ...

    @abstractmethod
    def set_active(self, request: Request, item_id: str, active: bool) -> object: ...

    def page_values(self, request: Request) -> dict[str, Any]:
        """What the list and the form show besides the items (labels of codes, choices)."""
        return {}

    # --- the pages ---------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"{PREFIX}/{self.plural}"

    def _read(self, form: Any) -> tuple[Values, str]:
        """The form's fields, each cut to what it takes, and the sentence naming the first
        that was longer ("" when none was)."""
        values: Values = {}
        error = ""
        for f in self.fields:
            if f.many:
                got = [v for v in form.getlist(f.name) if isinstance(v, str)]
                too_long = len(got) > CHOICES_MAX or any(len(v) > f.max_chars for v in got)
                values[f.name] = [v[: f.max_chars] for v in got[:CHOICES_MAX]]
            else:
                raw = form.get(f.name)
                text = raw if isinstance(raw, str) else ""
                too_long = len(text) > f.max_chars
                values[f.name] = text[: f.max_chars]
            if too_long and not error:
                error = f"「{f.label}」过长（不能超过 {f.max_chars} 个字）。"
        return values, error

    def _form(
        self, request: Request, entered: Entered, action: str, error: str = "", status: int = 200
    ) -> Response:
        editing = action.endswith("/update")
        return render(
            request,
            self.form_template,
            status,
            title=self.words.edit_title if editing else self.words.new_title,
            entered=entered,
            action=action,
            error=error,
            words=self.words,
            base=self.base,
            **self.page_values(request),
        )

    async def _found(self, request: Request, item_id: str) -> Item:
        try:
            return await run_in_threadpool(self.find, request, item_id)
        except NotFound:
            raise PageNotFound() from None

    async def _saved(
        self, request: Request, action: str, save: Any, item_id: str | None = None
    ) -> Response:
        """Read the form and save it (`save(request, [item_id,] entered)`): back to the list,
        or the form again (422) with the sentence that says what is wrong."""
        values, error = self._read(await request.form())
        entered = self.entered(request, values)
        if error:
            return await run_in_threadpool(lambda: self._form(request, entered, action, error, 422))
        args = (item_id, entered) if item_id is not None else (entered,)
        try:
            await run_in_threadpool(save, request, *args)
        except ApiError as exc:
            error = exc.message
            return await run_in_threadpool(lambda: self._form(request, entered, action, error, 422))
        return see_other(self.base)

    def router(self) -> APIRouter:
        """The six routes: list, new, create, edit, update, active."""
        router = APIRouter(prefix=f"/{self.plural}")
        pages = self
        key = f"{self.singular}_id"  # the path parameter (the role matrix's scope reads it)
        one = f"/{{{key}}}"

        @router.get("", name=self.plural)
        async def listed(request: Request, all: bool = False) -> Response:
            found = await run_in_threadpool(pages.items, request, all)
            extra = await run_in_threadpool(pages.page_values, request)
            return render(
                request,
                pages.list_template,
                title=pages.words.list_title,
                items=found,
                show_all=all,
                words=pages.words,
                base=pages.base,
                **extra,
            )

        @router.get("/new", name=f"{self.singular}_new")
        async def new(request: Request) -> Response:
            blank = pages.blank(request)
            return await run_in_threadpool(lambda: pages._form(request, blank, pages.base))

        @router.post("", name=f"{self.singular}_create")
        async def create(request: Request) -> Response:
            return await pages._saved(request, pages.base, pages.add)

        @router.get(one, name=f"{self.singular}_edit")
        async def edit(request: Request) -> Response:
            item = await pages._found(request, request.path_params[key])
            action = f"{pages.base}/{pages.item_id(item)}/update"
            entered = pages.as_entered(item)
            return await run_in_threadpool(lambda: pages._form(request, entered, action))

        @router.post(f"{one}/update", name=f"{self.singular}_update")
        async def update(request: Request) -> Response:
            item = await pages._found(request, request.path_params[key])
            found_id = pages.item_id(item)
            action = f"{pages.base}/{found_id}/update"
            return await pages._saved(request, action, pages.update, found_id)

        @router.post(f"{one}/active", name=f"{self.singular}_active")
        async def active(request: Request, active: Flag = False) -> Response:
            item = await pages._found(request, request.path_params[key])
            await run_in_threadpool(pages.set_active, request, pages.item_id(item), active)
            return see_other(f"{pages.base}?all=true")

        return router
