"""Small building blocks shared by the screens: big buttons, choice groups, sections.

Touch targets are at least 48 px high and text is 16–18 px: the people using this are on
a doorstep with a tablet, often outdoors. Every interactive control carries a label.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from typing import Any, cast

import flet as ft

from app.domain.policy import Urgency
from app.domain.records import NOTE_MAX_CHARS

log = logging.getLogger("doorstep.ui")

FONT = "Noto Sans SC"  # the bundled face; a TextStyle without it falls back to Roboto
FONT_FILE = "fonts/NotoSansSC-Regular.otf"  # GB2312 and punctuation: loaded at once
# Every other CJK ideograph (URO, Extensions A and B, 通用规范汉字表), for 生僻字 in names:
# registered after the first screen shows, tried in this order where FONT has no glyph.
RARE_FONTS = {
    "Noto Sans SC Rare": "fonts/NotoSansSC-Rare.otf",
    "HanaMinB Ext B": "fonts/HanaMinB-ExtB.ttf",
    "BabelStone Han 13": "fonts/BabelStoneHan-Unicode13.ttf",
}
TOUCH = 52
TOUCH_MIN = 48  # the smallest touch target (icon buttons)
ICON = 26
TEXT = 17
SMALL = 15
TITLE = 20

ALL = "__all__"  # the dropdown option that filters nothing

URGENCY_COLOURS = {
    Urgency.MAJOR_EVENT: ft.Colors.RED_700,
    Urgency.OVERDUE: ft.Colors.DEEP_ORANGE_700,
    Urgency.DUE_SOON: ft.Colors.AMBER_800,
    Urgency.DUE: ft.Colors.BLUE_GREY_600,
    Urgency.DONE: ft.Colors.GREEN_700,
}

Handler = Callable[..., Any]


LARGE_TEXT = 1.25  # 大字（适老化）: every text this much larger
_SCALE = "_doorstep_text_scale"  # on a page: the factor its texts are drawn at, once set
_DEFAULT_TEXT = 14.0  # Flutter's size for a Text that names none
_DIALOG_TITLE = 24.0  # Flutter's size for a dialog's title that names none
NAV_LABEL = 12  # the navigation bar's and rail's labels (Material 3's own size)
_BASE = "_doorstep_base_"  # where a control remembers its own size before scaling


def enlarge(root: object, factor: float) -> None:
    """Draw every text under `root` at `factor` × the size its screen gave it (1.0 restores
    it). Idempotent: a control remembers its own size, so a rebuilt part can be re-scaled."""
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if (
            isinstance(obj, ft.AlertDialog)
            and isinstance(obj.title, ft.Text)
            and getattr(obj.title, _BASE + "size", None) is None
            and obj.title.size is None
        ):
            # A dialog draws a title that names no size larger than other text.
            object.__setattr__(obj.title, _BASE + "size", _DIALOG_TITLE)
        if isinstance(obj, ft.Text):
            _scale(obj, "size", factor, _DEFAULT_TEXT)
        elif isinstance(obj, ft.TextField | ft.Dropdown):
            _scale(obj, "text_size", factor, TEXT)
            if factor != 1.0:
                # The label (inline and floating: Flutter draws it at 0.75 when it
                # floats) and the hint name no size of their own: give them the field's,
                # which the TextStyle branch then scales like every other.
                for attr in ("label_style", "hint_style"):
                    if getattr(obj, attr, None) is None:
                        setattr(obj, attr, style(TEXT))
        elif isinstance(obj, ft.TextStyle) and obj.size is not None:
            _scale(obj, "size", factor, TEXT)
        for f in fields(obj):  # type: ignore[arg-type]
            if f.name.startswith("_"):
                continue
            value = getattr(obj, f.name, None)
            if isinstance(value, list | tuple):
                stack.extend(v for v in value if is_dataclass(v))
            elif isinstance(value, dict):
                stack.extend(v for v in value.values() if is_dataclass(v))
            elif is_dataclass(value) and not isinstance(value, type):
                stack.append(value)


def set_text_scale(page: ft.Page, factor: float) -> None:
    """Draw the page's texts at `factor` from now on, in `update()` as in full renders."""
    object.__setattr__(page, _SCALE, factor)


def text_scale(page: ft.Page) -> float | None:
    """The factor set for the page, if any was ever set."""
    return getattr(page, _SCALE, None)


def _scale(obj: object, attr: str, factor: float, default: float) -> None:
    base = getattr(obj, _BASE + attr, None)
    if base is None:
        base = getattr(obj, attr) or default
        object.__setattr__(obj, _BASE + attr, base)
    wanted = round(base * factor, 1)
    if getattr(obj, attr) != wanted:
        setattr(obj, attr, wanted)


def mounted(control: ft.BaseControl | None) -> bool:
    """Whether the control is on the page now: the page's session still holds it.

    A control a rebuild dropped can keep a live parent chain until the garbage collector
    runs, so walking up to the page is not enough; the session's index is the truth."""
    if control is None:
        return False
    try:
        page = control.page
    except RuntimeError:  # its parent chain is gone
        return False
    return page is not None and page.get_control(control._i) is control


def update(*controls: ft.BaseControl | None) -> None:
    """Send the changes of the controls still on the page; drop those a rebuild removed
    (updating one of those raises "Control must be added to the page first")."""
    for control in controls:
        if mounted(control):
            assert control is not None
            factor = getattr(control.page, _SCALE, None)
            if factor is not None:
                enlarge(control, factor)
            control.update()
        elif control is not None:
            log.debug("update dropped: %s is no longer on the page", type(control).__name__)


def style(size: float = TEXT, **kw: Any) -> ft.TextStyle:
    """A text style in the bundled CJK font and its fallbacks (styles replace the theme's)."""
    return ft.TextStyle(size=size, font_family=FONT, font_family_fallback=list(RARE_FONTS), **kw)


def theme(text_scale: float = 1.0) -> ft.Theme:
    """The app's theme: every Material text style in the bundled fonts, standard (touch)
    density, and icon buttons (back arrow included) of at least TOUCH_MIN px. The
    navigation's labels, which are no Text of ours, are drawn at `text_scale` (大字)."""
    nav_label = style(round(NAV_LABEL * text_scale, 1))
    roles = [f.name for f in fields(ft.TextTheme) if not f.name.startswith("_")]
    in_our_fonts = {
        role: ft.TextStyle(font_family=FONT, font_family_fallback=list(RARE_FONTS))
        for role in roles
    }
    return ft.Theme(
        font_family=FONT,
        text_theme=ft.TextTheme(**in_our_fonts),
        color_scheme_seed=ft.Colors.TEAL,
        visual_density=ft.VisualDensity.STANDARD,
        navigation_bar_theme=ft.NavigationBarTheme(label_text_style=nav_label),
        navigation_rail_theme=ft.NavigationRailTheme(
            selected_label_text_style=nav_label, unselected_label_text_style=nav_label
        ),
        icon_button_theme=ft.IconButtonTheme(
            style=ft.ButtonStyle(padding=(TOUCH_MIN - ICON) // 2, icon_size=ICON)
        ),
        page_transitions=ft.PageTransitionsTheme(
            android=ft.PageTransitionTheme.NONE,
            ios=ft.PageTransitionTheme.NONE,
            linux=ft.PageTransitionTheme.NONE,
            macos=ft.PageTransitionTheme.NONE,
            windows=ft.PageTransitionTheme.NONE,
        ),
    )


def locale(lang: str) -> ft.LocaleConfiguration:
    """Flutter's own words (back, close, tab i of n, alert) in the app's language."""
    current = ft.Locale("zh", "CN") if lang == "zh" else ft.Locale("en", "US")
    return ft.LocaleConfiguration(
        supported_locales=[ft.Locale("zh", "CN"), ft.Locale("en", "US")],
        current_locale=current,
    )


def button(
    label: str,
    on_click: Handler | None,
    *,
    icon: ft.IconData | None = None,
    kind: str = "filled",
    expand: bool | int | None = None,
    width: float | None = None,
    disabled: bool = False,
    color: str | None = None,
    url: str | None = None,
) -> ft.Control:
    """A big labelled button; `kind` is filled, tonal, outlined or text; with `url` it
    opens it (a tel: link dials)."""
    cls = {
        "filled": ft.FilledButton,
        "tonal": ft.FilledTonalButton,
        "outlined": ft.OutlinedButton,
        "text": ft.TextButton,
    }[kind]
    look = ft.ButtonStyle(
        text_style=style(TEXT),
        padding=ft.Padding.symmetric(horizontal=18, vertical=10),
        bgcolor=color,
    )
    return cls(
        content=label,
        icon=icon,
        on_click=on_click,
        height=TOUCH,
        expand=expand,
        width=width,
        disabled=disabled,
        style=look,
        url=url,
    )


def icon_button(icon: ft.IconData, label: str, on_click: Handler | None) -> ft.IconButton:
    """An icon button; its tooltip is also its label for screen readers and tests."""
    return ft.IconButton(
        # The tooltip shows on a long press; the icon's own label is what a screen reader
        # (and a browser test) calls the button.
        icon=ft.Icon(icon, semantics_label=label),
        tooltip=label,
        on_click=on_click,
        icon_size=ICON,
        size_constraints=ft.BoxConstraints(min_width=TOUCH_MIN, min_height=TOUCH_MIN),
    )


def choice_group(
    options: Iterable[tuple[str, str]],
    selected: Iterable[str],
    on_change: Callable[[str, bool], None],
    *,
    multi: bool = False,
) -> ft.Row:
    """A row of big toggle buttons: one choice, or several when `multi`.

    A tap restyles the same buttons rather than making new ones, so a second quick tap
    (sent before the first one's change reached the screen) still finds its button; and
    each button's state is told to screen readers (selected: aria-current)."""
    options = list(options)
    chosen = set(selected)
    buttons = {
        value: cast(ft.FilledButton, button(text, lambda _e, v=value: pick(v)))
        for value, text in options
    }
    cells = {value: ft.Semantics(content=b) for value, b in buttons.items()}
    row = ft.Row(list(cells.values()), wrap=True, spacing=8, run_spacing=8)

    def render() -> None:
        for value, chosen_button in buttons.items():
            on = value in chosen
            cells[value].selected = on
            chosen_button.icon = ft.Icons.CHECK if on else None
            look = chosen_button.style
            assert look is not None
            # Not chosen: drawn as an outlined button (no fill, a border, primary text; no
            # shadow, which would show through the missing fill as grey).
            look.bgcolor = None if on else ft.Colors.TRANSPARENT
            look.color = None if on else ft.Colors.PRIMARY
            look.side = None if on else ft.BorderSide(1, ft.Colors.OUTLINE)
            look.elevation = None if on else 0
            look.shadow_color = None if on else ft.Colors.TRANSPARENT

    def pick(value: str) -> None:
        if multi:
            (chosen.discard if value in chosen else chosen.add)(value)
        else:
            chosen.clear()
            chosen.add(value)
        on_change(value, value in chosen)
        render()
        update(row)  # on_change may have rebuilt the screen without this row

    render()
    return row


def text_field(
    label: str,
    value: str = "",
    on_change: Handler | None = None,
    *,
    multiline: bool = False,
    password: bool = False,
    keyboard: ft.KeyboardType | None = None,
    hint: str | None = None,
    expand: bool | int | None = None,
    width: float | None = None,
    max_length: int | None = None,
    on_submit: Handler | None = None,
    on_blur: Handler | None = None,
    autofocus: bool = False,
) -> ft.TextField:
    """A labelled text field; the label is what screen readers and tests find it by.
    A multiline field holds a note: at most NOTE_MAX_CHARS, with a counter below it."""
    if multiline and max_length is None:
        max_length = NOTE_MAX_CHARS
    field = ft.TextField(
        label=label,
        value=value,
        on_change=on_change,
        multiline=multiline,
        min_lines=3 if multiline else None,
        max_lines=6 if multiline else 1,
        password=password,
        can_reveal_password=False,
        keyboard_type=keyboard or ft.KeyboardType.TEXT,
        hint_text=hint,
        expand=expand,
        width=width,
        max_length=max_length,
        text_size=TEXT,
        # Flutter draws errors and the counter at 12 px: too small on a doorstep.
        error_style=style(SMALL, color=ft.Colors.ERROR),
        error_max_lines=3,
        counter_style=style(SMALL - 1, color=ft.Colors.ON_SURFACE_VARIANT),
        on_submit=on_submit,
        on_blur=on_blur,
        autofocus=autofocus,
    )
    if multiline:
        _count_down(field, on_change)
    return field


def _count_down(field: ft.TextField, on_change: Handler | None) -> None:
    """Show how much of a note's limit is used ("120/2000"), updated as it is typed."""
    limit = field.max_length

    def counted(e: Any) -> None:
        field.counter = f"{len(e.control.value or '')}/{limit}"
        update(field)
        if on_change is not None:
            on_change(e)

    field.counter = f"{len(field.value or '')}/{limit}"
    field.on_change = counted


def search_field(
    label: str, clear_label: str, on_query: Callable[[str], None], wrap: Callable[..., Handler]
) -> ft.TextField:
    """A search box with a clear button that shows while there is text; `on_query` gets the
    query after each keystroke and "" on clear; `wrap` makes the shell's error handlers."""
    field = text_field(label, expand=True)
    field.prefix_icon = ft.Icons.SEARCH
    clear = icon_button(ft.Icons.CLOSE, clear_label, None)
    clear.visible = False
    field.suffix_icon = clear

    def show_clear(wanted: bool) -> None:
        if clear.visible != wanted:
            clear.visible = wanted
            update(clear)

    def typed(e: Any) -> None:
        query = e.control.value or ""
        show_clear(bool(query))
        on_query(query)

    def cleared() -> None:
        field.value = ""
        show_clear(False)
        update(field)
        on_query("")

    field.on_change = wrap(typed)
    clear.on_click = wrap(cleared)
    return field


def left(*controls: ft.Control) -> ft.Row:
    """Keep buttons at their natural width inside a stretched column."""
    return ft.Row(list(controls), wrap=True, spacing=10, run_spacing=10)


def labelled(control: ft.Control, label: str) -> ft.Control:
    """Give a control a screen-reader label (Flet's Dropdown has none of its own)."""
    return ft.Semantics(label=label, content=control)


def heading(text: str, size: int = TITLE) -> ft.Text:
    return ft.Text(text, size=size, weight=ft.FontWeight.BOLD)


def body(
    text: str,
    *,
    size: int = TEXT,
    color: str | None = None,
    selectable: bool = False,
    key: str | None = None,
) -> ft.Text:
    return ft.Text(text, size=size, color=color, selectable=selectable, key=key)


def muted(text: str, size: int = SMALL) -> ft.Text:
    return ft.Text(text, size=size, color=ft.Colors.ON_SURFACE_VARIANT)


def section(
    title: str, controls: list[ft.Control], *, trailing: ft.Control | None = None
) -> ft.Control:
    """A titled card holding a group of controls."""
    header: list[ft.Control] = [ft.Text(title, size=18, weight=ft.FontWeight.BOLD, expand=True)]
    if trailing is not None:
        header.append(trailing)
    # A semantics container keeps the card's texts from merging into its first field's label.
    return ft.Semantics(
        container=True,
        content=ft.Card(
            content=ft.Container(
                padding=16,
                content=ft.Column(
                    [ft.Row(header, vertical_alignment=ft.CrossAxisAlignment.CENTER), *controls],
                    spacing=10,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                ),
            ),
        ),
    )


def pill(text: str, colour: str) -> ft.Container:
    """A small coloured label (urgency, state)."""
    return ft.Container(
        content=ft.Text(text, size=14, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
        bgcolor=colour,
        border_radius=12,
        padding=ft.Padding.symmetric(horizontal=10, vertical=3),
    )


def error_text(message: str) -> ft.Text:
    return ft.Text(message, size=TEXT, color=ft.Colors.ERROR, visible=bool(message))


def tappable(content: ft.Control, on_click: Handler, label: str) -> ft.Control:
    """A card-like row that opens something; labelled for screen readers."""
    return ft.Container(
        # A Row takes the full width, so the whole line is the touch target.
        content=ft.Row([content]),
        on_click=on_click,
        padding=ft.Padding.symmetric(horizontal=16, vertical=12),
        border_radius=12,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        ink=True,
        tooltip=label,
    )
