"""The purposes a consent may name (共享目的, `app.domain.codes.SharePurpose`), and how a
purpose recorded before they were chosen from the list reads.

Consents and referrals keep the purpose's code. Before the list, the purpose was typed: a
wording exactly the list's (the form's default, 对接慈善帮扶资源, was one) is that purpose
(`purpose_of`), so a consent typed then and one chosen now are one consent, granted and
withdrawn together (`purpose_key`); any other wording stays a purpose of its own, matched
only by equal text, and shows as 其他：… . A new grant names a listed purpose
(`ConsentEvent.check_create`, on the device and at the server's push).
"""

from __future__ import annotations

from app.domain.codes import SharePurpose

# The wordings of the listed purposes as they were typed before the list (the catalogue's
# zh labels say them the same way: a test holds the two together).
WORDINGS: dict[str, SharePurpose] = {
    "对接慈善帮扶资源": SharePurpose.CHARITY_HELP,
    "救助帮扶转介": SharePurpose.ASSISTANCE_REFERRAL,
    "微心愿发布": SharePurpose.WISH,
    "服务项目对接": SharePurpose.SERVICE_PROJECT,
    "探访关爱服务": SharePurpose.CARE_VISIT,
}


def purpose_of(value: str) -> SharePurpose | None:
    """The listed purpose `value` names (its code, or its wording typed before the list);
    None for any other text."""
    text = value.strip()
    try:
        return SharePurpose(text)
    except ValueError:
        return WORDINGS.get(text)


def purpose_key(value: str) -> str:
    """What consents are told apart by: a listed purpose's code, else the text as typed."""
    listed = purpose_of(value)
    return listed.value if listed is not None else value
