"""Organisations that help (慈善帮扶力量): their kinds and the 统一社会信用代码 check.

An organisation is server-owned reference data (DOMAIN.md, "Organisations"): charities,
social-work agencies, caring companies, volunteer groups, charity supermarkets and the
members of a county's 助联体. Consent recipients are chosen from them or from a kind.
"""

from __future__ import annotations

import re
from enum import StrEnum

from app.domain.errors import DoorstepError


class OrganisationKind(StrEnum):
    """The kinds of organisation (stable codes; the console's labels name them)."""

    CHARITY = "charity"  # 慈善组织
    SOCIAL_WORK = "social_work"  # 社工机构
    CARING_COMPANY = "caring_company"  # 爱心企业
    VOLUNTEER = "volunteer"  # 志愿服务组织
    CHARITY_SUPERMARKET = "charity_supermarket"  # 幸福超市 / 慈善超市
    ALLIANCE_MEMBER = "alliance_member"  # 助联体成员单位
    # 小特帮扶服务队: volunteers who deliver; a coordinator assigns one a claimed wish to
    # carry the gift from the donor to the household.
    DELIVERY_TEAM = "delivery_team"


class InvalidOrganisation(DoorstepError, ValueError):
    """A kind, name or 统一社会信用代码 an organisation cannot have; the code says why."""

    default_code = "organisation.invalid"


def parse_kind(raw: str) -> OrganisationKind:
    """A kind from its stable code (`charity`, `social_work`, ...)."""
    try:
        return OrganisationKind(raw.strip())
    except ValueError:
        known = "、".join(k.value for k in OrganisationKind)
        raise InvalidOrganisation("organisation.kind", raw=raw, known=known) from None


# GB 32100-2015: the code's alphabet (no I, O, S, V, Z) and the weights of its first 17
# characters; the 18th is 31 - (Σ value × weight mod 31), where 31 becomes 0.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_SHAPE = re.compile(rf"^[{CREDIT_CODE_ALPHABET}]{{18}}$")
_VALUES = {char: index for index, char in enumerate(CREDIT_CODE_ALPHABET)}


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character of the first 17 characters of a credit code."""
    total = sum(_VALUES[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(raw: str) -> str:
    """A 统一社会信用代码: 18 characters of the GB 32100 alphabet (spaces dropped, letters
    upper-cased) whose last is the check character; else InvalidOrganisation saying which."""
    value = raw.strip().replace(" ", "").upper()
    if len(value) != 18:
        raise InvalidOrganisation("credit_code.length", length=len(value))
    if not _CREDIT_SHAPE.match(value):
        bad = next(c for c in value if c not in _VALUES)
        raise InvalidOrganisation("credit_code.character", char=bad)
    if credit_code_check_char(value[:17]) != value[17]:
        raise InvalidOrganisation("credit_code.check_digit")
    return value


NAME_MAX = 100


def parse_organisation_name(raw: str) -> str:
    """An organisation's registered name: 2 to 100 characters, outer spaces dropped."""
    value = " ".join(raw.split())
    if len(value) < 2 or len(value) > NAME_MAX:
        raise InvalidOrganisation("organisation.name_length", max=NAME_MAX)
    return value
