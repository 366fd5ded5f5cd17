"""Printouts as A4 pages and PDF: a household's file and consent forms (supervisor,
coordinator, in their areas) and an area's visit log. Each is audited (`printed`).

Each printout is one `Printable`: what it reads, its page's template, its PDF; each is
served at `…/print` as a page and at `…/print.pdf` as a PDF by the same endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.domain.areas import parse_scope_code
from sync.server.console import printing
from sync.server.console.access import server_context
from sync.server.console.coverage import current_quarter
from sync.server.console.web import render
from sync.server.services.reports import InvalidReportRequest, report_period

router = APIRouter()
PeriodText = Annotated[str, Query(max_length=16)]
Form = Literal["html", "pdf"]


@dataclass(frozen=True)
class Printable:
    """A printout: `read` gets what it prints (its scope checked by the gate), `template`
    shows that as `key` on a page titled `title`, `pdf` makes it a PDF named by `filename`
    (filled with the audit detail). `document` names it in the audit log."""

    document: str
    read: Callable[..., Any]
    template: str
    key: str
    title: Callable[[Any], str]
    pdf: Callable[[Any], bytes]
    filename: str
    page: Mapping[str, Any] = field(default_factory=dict)


HOUSEHOLD_FILE = Printable(
    "household", printing.household_print, "print_household.html", "found",
    lambda _: "家庭档案", printing.household_pdf, "household-{household_id}.pdf",
)  # fmt: skip
CONSENT_FORMS = Printable(
    "consents", printing.consents_print, "print_consents.html", "found",
    lambda _: "信息共享同意书", printing.consents_pdf, "consents-{household_id}.pdf",
    page={"consent_text": printing.CONSENT_TEXT},
)  # fmt: skip
VISIT_LOG = Printable(
    "visits", printing.visit_log, "print_visits.html", "log",
    lambda log: f"{log.place}走访记录", printing.visit_log_pdf, "visits-{area}-{period}.pdf",
)  # fmt: skip


async def _printed(
    request: Request, printable: Printable, form: Form, args: tuple[Any, ...], **detail: str
) -> Response:
    """The printout read, audited and made as a page or a PDF."""
    ctx = server_context(request)
    actor = request.state.session.account.actor

    def run() -> tuple[Any, bytes]:
        made = printable.read(ctx, *args)
        printing.log_print(ctx, actor=actor, document=printable.document, form=form, **detail)
        return made, printable.pdf(made) if form == "pdf" else b""

    made, content = await run_in_threadpool(run)
    if form == "html":
        return render(
            request, printable.template, title=printable.title(made),
            **{printable.key: made}, **printable.page,
        )  # fmt: skip
    filename = printable.filename.format(**detail)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def _both(path: str, name: str, endpoint: Callable[[Form], Callable[..., Any]]) -> None:
    """The page at `path` (route `name`) and its PDF at `path`.pdf (`name`_pdf)."""
    router.add_api_route(path, endpoint("html"), methods=["GET"], name=name)
    router.add_api_route(f"{path}.pdf", endpoint("pdf"), methods=["GET"], name=f"{name}_pdf")


def _of_household(printable: Printable) -> Callable[[Form], Callable[..., Any]]:
    def endpoint(form: Form) -> Callable[..., Any]:
        async def household_printout(request: Request, household_id: str) -> Response:
            return await _printed(
                request, printable, form, (household_id,), household_id=household_id
            )

        return household_printout

    return endpoint


def _visit_log(form: Form) -> Callable[..., Any]:
    async def visit_log(request: Request, area: str, period: PeriodText = "") -> Response:
        code = parse_scope_code(area)  # checked by the gate already
        try:
            text = period.strip() or current_quarter(date.today())
            parsed = report_period(text)
        except InvalidReportRequest as exc:
            return render(request, "error.html", 422, title="统计期有误", message=exc.message)
        return await _printed(request, VISIT_LOG, form, (code, parsed), area=code, period=text)

    return visit_log


_both("/households/{household_id}/print", "print_household", _of_household(HOUSEHOLD_FILE))
_both("/households/{household_id}/consents/print", "print_consents", _of_household(CONSENT_FORMS))
_both("/areas/{area}/visits/print", "print_visits", _visit_log)
