"""The seed's four rules: how the owner answers a connection request, as one pure function.

`triage` reads the request, the requester, the owner, the owner's policy and two facts of the
graph as the owner sees it (`GraphFacts`); the first rule that matches wins.

Examples
--------
>>> from datetime import UTC, datetime
>>> from service.domain import Person
>>> from service.requests import ConnectionRequest, RequestStatus, TriagePolicy
>>> morgan = Person("morgan", "Morgan Lee")
>>> policy = TriagePolicy(home_areas=("Toronto",), interests=("robotics",), signature="Morgan")
>>> def asking(message=None):
...     at = datetime(2026, 1, 29, 14, 37, tzinfo=UTC)
...     return ConnectionRequest("r-1", "sam", "morgan", message, at, RequestStatus.PENDING)
>>> sam = Person("sam", "Sam Park", headline="Robotics engineer", location="Toronto, Canada")

1. Someone known (the owner rated them 1-4) is accepted and thanked with a short note:

>>> t = triage(asking(), sam, morgan, policy, GraphFacts(owner_rating=2, shared_connections=3))
>>> t.action.name, t.rule.name, t.reasons
('ACCEPT_AND_THANK', 'KNOWN', ('you rated them 2 (1 = closest, 5 = never met)',))
>>> print(t.draft)
Hi Sam,
<BLANKLINE>
Thank you for reaching out. It's good to be connected here as well.
<BLANKLINE>
Morgan

2. A recruiter is accepted, without a note:

>>> kim = Person("kim", "Kim Ray", headline="Senior Technical Recruiter at Acme")
>>> t = triage(asking(), kim, morgan, policy, GraphFacts(owner_rating=None, shared_connections=0))
>>> t.action.name, t.rule.name, t.reasons, t.draft
('ACCEPT', 'RECRUITER', ('headline mentions "recruit"',), None)

3. A stranger who wrote a personal note gets a reply that explains the personal-network
policy, an invitation to follow when they liked something the owner wrote, and coffee when
they live nearby or do interesting work:

>>> note = "Loved your article on sensor fusion - would be great to connect!"
>>> t = triage(asking(note), sam, morgan, policy, GraphFacts(None, shared_connections=5))
>>> t.action.name, t.rule.name, [i.name for i in t.invitations]
('REPLY', 'PERSONAL_NOTE', ['FOLLOW', 'COFFEE'])
>>> for reason in t.reasons: print(reason)
wrote a personal note
message mentions your article
lives in Toronto
headline mentions robotics
>>> "follow" in t.draft and "coffee" in t.draft and t.draft.endswith("Morgan")
True

   ... and so does one who sent LinkedIn's standard text but shares dozens of connections:

>>> lee = Person("lee", "Lee Wu", location="Lisbon")
>>> generic = "I'd like to connect with you on LinkedIn."
>>> t = triage(asking(generic), lee, morgan, policy, GraphFacts(None, shared_connections=27))
>>> t.action.name, t.rule.name, t.reasons, t.invitations
('REPLY', 'SHARED_CONNECTIONS', ('shares 27 connections',), ())

4. A generic request from a stranger is declined without a reply:

>>> t = triage(asking("i'd LIKE to connect with you on linkedin"), lee, morgan, policy,
...            GraphFacts(None, shared_connections=2))
>>> t.action.name, t.rule.name, t.draft
('DECLINE', 'GENERIC', None)
>>> t.reasons
('message is a standard invitation text', 'shares 2 connections (fewer than 24)')
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from service.domain import Person
from service.requests import LINKEDIN_GENERIC_MESSAGES, ConnectionRequest, TriagePolicy

KNOWN_STRENGTHS: Final = range(1, 5)

# Words by which a message says the requester read something the owner wrote.
_WRITING: Final = {
    "article": "your article",
    "articles": "your articles",
    "post": "your post",
    "posts": "your posts",
    "blog": "your blog",
    "blogpost": "your blog post",
    "newsletter": "your newsletter",
    "essay": "your essay",
    "essays": "your essays",
    "book": "your book",
    "paper": "your paper",
    "wrote": "what you wrote",
    "writing": "your writing",
}


class TriageAction(enum.Enum):
    ACCEPT_AND_THANK = "ACCEPT_AND_THANK"
    ACCEPT = "ACCEPT"
    REPLY = "REPLY"
    DECLINE = "DECLINE"


class TriageRule(enum.Enum):
    KNOWN = "KNOWN"
    RECRUITER = "RECRUITER"
    PERSONAL_NOTE = "PERSONAL_NOTE"
    SHARED_CONNECTIONS = "SHARED_CONNECTIONS"
    GENERIC = "GENERIC"


class Invitation(enum.Enum):
    FOLLOW = "FOLLOW"
    COFFEE = "COFFEE"


@dataclass(frozen=True, slots=True)
class GraphFacts:
    """What triage reads of the graph, as the owner sees it.

    `owner_rating`: the strength of the owner's rating of the requester, or None.
    `shared_connections`: how many `mutualConnections` the owner and the requester have.
    """

    owner_rating: int | None
    shared_connections: int


@dataclass(frozen=True, slots=True)
class Triage:
    action: TriageAction
    rule: TriageRule
    reasons: tuple[str, ...]
    shared_connections: int
    invitations: tuple[Invitation, ...] = ()
    draft: str | None = None


def normalise(text: str) -> str:
    """The text without case, spacing and punctuation: what "generic" compares.

    >>> normalise("I’d like to  connect with you on LinkedIn!")
    'idliketoconnectwithyouonlinkedin'
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def is_generic(message: str | None, policy: TriagePolicy) -> bool:
    """Empty, or one of LinkedIn's standard texts or of the owner's `genericMessages`.

    >>> is_generic("  ", TriagePolicy())
    True
    >>> is_generic("I'd like to join your LinkedIn network", TriagePolicy())
    True
    >>> is_generic("Hi, we met at PyCon", TriagePolicy(generic_messages=("hi we met at pycon",)))
    True
    >>> is_generic("Hi, we met at PyCon", TriagePolicy())
    False
    """
    if message is None or not normalise(message):
        return True
    known = {normalise(text) for text in (*LINKEDIN_GENERIC_MESSAGES, *policy.generic_messages)}
    return normalise(message) in known


def _first_match(text: str | None, terms: tuple[str, ...]) -> str | None:
    """The first of `terms` that `text` contains, case-insensitively."""
    if not text:
        return None
    folded = text.casefold()
    return next((term for term in terms if term.casefold() in folded), None)


def _connections(count: int) -> str:
    return f"{count} connection" if count == 1 else f"{count} connections"


def _first_name(person: Person) -> str:
    parts = person.name.split()
    return parts[0] if parts else person.name


def _signature(owner: Person, policy: TriagePolicy) -> str:
    return policy.signature or owner.name


def triage(
    request: ConnectionRequest,
    requester: Person,
    owner: Person,
    policy: TriagePolicy,
    facts: GraphFacts,
) -> Triage:
    """How the owner answers `request`, by the four rules of API.md (first match wins).

    Parameters
    ----------
    request : ConnectionRequest
        Its `message` is read.
    requester, owner : Person
        The requester's headline, company and location are read; the owner's name signs the
        drafts when the policy has no signature.
    policy : TriagePolicy
    facts : GraphFacts
        The graph as the owner sees it.

    Returns
    -------
    Triage
        A draft for ACCEPT_AND_THANK and REPLY, none for ACCEPT and DECLINE.
    """
    shared = facts.shared_connections
    if facts.owner_rating in KNOWN_STRENGTHS:
        return Triage(
            TriageAction.ACCEPT_AND_THANK,
            TriageRule.KNOWN,
            (f"you rated them {facts.owner_rating} (1 = closest, 5 = never met)",),
            shared,
            draft=_thanks(requester, owner, policy),
        )
    keyword = _first_match(requester.headline, policy.recruiter_keywords)
    if keyword is not None:
        return Triage(
            TriageAction.ACCEPT, TriageRule.RECRUITER, (f'headline mentions "{keyword}"',), shared
        )
    generic = is_generic(request.message, policy)
    if not generic or shared >= policy.shared_connections_at_least:
        rule = TriageRule.SHARED_CONNECTIONS if generic else TriageRule.PERSONAL_NOTE
        first = f"shares {_connections(shared)}" if generic else "wrote a personal note"
        return _reply(request, requester, owner, policy, shared, rule, first)
    why = "no message" if not request.message else "message is a standard invitation text"
    fewer = f"shares {_connections(shared)} (fewer than {policy.shared_connections_at_least})"
    return Triage(TriageAction.DECLINE, TriageRule.GENERIC, (why, fewer), shared)


def _reply(
    request: ConnectionRequest,
    requester: Person,
    owner: Person,
    policy: TriagePolicy,
    shared: int,
    rule: TriageRule,
    first_reason: str,
) -> Triage:
    reasons = [first_reason]
    invitations: list[Invitation] = []
    read = _read_my_writing(request.message)
    if read is not None:
        invitations.append(Invitation.FOLLOW)
        reasons.append(f"message mentions {read}")
    area = _first_match(requester.location, policy.home_areas)
    interest_in_headline = _first_match(requester.headline, policy.interests)
    interest_in_company = _first_match(requester.company, policy.interests)
    if area is not None:
        reasons.append(f"lives in {area}")
    if interest_in_headline is not None:
        reasons.append(f"headline mentions {interest_in_headline}")
    elif interest_in_company is not None:
        reasons.append(f"company mentions {interest_in_company}")
    interest = interest_in_headline or interest_in_company
    if area is not None or interest is not None:
        invitations.append(Invitation.COFFEE)
    draft = _reply_draft(requester, owner, policy, shared, rule, read, area, interest)
    return Triage(TriageAction.REPLY, rule, tuple(reasons), shared, tuple(invitations), draft=draft)


def _read_my_writing(message: str | None) -> str | None:
    """What of the owner's the message says the requester read ("your article"), or None."""
    if not message:
        return None
    for word in re.findall(r"\w+", message.casefold()):
        if word in _WRITING:
            return _WRITING[word]
    return None


# --- drafts: short notes in the owner's voice ---------------------------------------------


def _thanks(requester: Person, owner: Person, policy: TriagePolicy) -> str:
    return (
        f"Hi {_first_name(requester)},\n\n"
        "Thank you for reaching out. It's good to be connected here as well.\n\n"
        f"{_signature(owner, policy)}"
    )


def _reply_draft(
    requester: Person,
    owner: Person,
    policy: TriagePolicy,
    shared: int,
    rule: TriageRule,
    read: str | None,
    area: str | None,
    interest: str | None,
) -> str:
    if rule is TriageRule.PERSONAL_NOTE:
        thanks = "Thank you for your note"
        thanks += f", and for reading {read}." if read else "."
    else:
        thanks = (
            f"Thank you for your request; I see we share {_connections(shared)}."
            if not read
            else f"Thank you for your request, and for reading {read}."
        )
    lines = [
        f"Hi {_first_name(requester)},",
        "",
        thanks + " I keep my network here personal: I connect only after a real personal "
        "interaction, a conversation or a project together, so I won't accept for now. "
        "Please don't take it personally.",
    ]
    if read:
        lines += ["", "You are welcome to follow me here to keep reading what I write."]
    if area or interest:
        why = f"since we are both in {area}" if area else f"I'd like to hear about your {interest}"
        lines += [
            "",
            f"If you'd like to meet, let's have a coffee ({why}); after that I'll gladly connect.",
        ]
    lines += ["", "Best,", _signature(owner, policy)]
    return "\n".join(lines)
