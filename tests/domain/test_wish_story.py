"""The public story of a wish is screened for its household's personal data (DOMAIN.md)."""

from __future__ import annotations

from app.domain.wishes import STORY_MAX_CHARS, PersonalValues, story_problems

HOME = PersonalValues(
    names=("王秀英",),
    id_numbers=("33070219470312002X",),
    phones=("13957912345", "0579-82345678"),
    places=("岩头村12号", "岩头村"),
)


def codes(text: str) -> list[str]:
    return [p.code for p in story_problems(text, HOME)]


def test_a_story_free_of_the_household_passes() -> None:
    assert codes("老人想要一台电风扇，夏天好过一些。") == []


def test_each_kind_of_personal_value_is_named() -> None:
    assert codes("王 秀英想要电风扇") == ["wish_story.name"]
    assert codes("证件 330702 19470312 002x") == ["wish_story.id_number"]
    assert codes("联系 139-5791-2345") == ["wish_story.phone"]
    assert codes("固话 0579 82345678") == ["wish_story.phone"]
    assert codes("住在岩头村，想要电风扇") == ["wish_story.address"]
    assert codes("王秀英，139 5791 2345") == ["wish_story.name", "wish_story.phone"]


def test_a_long_story_is_refused_with_its_limit() -> None:
    [problem] = story_problems("好" * (STORY_MAX_CHARS + 1), HOME)
    assert problem.code == "wish_story.too_long" and problem.params["limit"] == STORY_MAX_CHARS
