"""Why a store is in a week's plan: the registry of reason kinds and the reasons visits knows itself.

A reason is stored on a planned visit as `{code, args, text}`: the code for analytics, the arguments so it
can be read in each reader's language, the text as rendered at planning time. Each kind of reason is
registered once with its code, its planner priority (who waits when the week is full: higher = kept) and
its renderer (args -> text in the active language); later apps register their own kinds and a provider
that finds them (e.g. `followup.reasons`: open needs near their deadline), so `visits` never imports them.

- `register(code, priority=, render=, provider=, link=)`: add a kind (idempotent: ready() may run twice).
  `link([(planned_visit, [subject ids])])` records, in the registering app's own tables, which of its
  records (e.g. needs) each planned visit is for: the fact is a relation there, not an id inside the JSON.
- `link_subjects(pairs)`: called by visit planning once the planned visits are written.
- `priority_of(code)`, `reason_text(reason)`: a kind's priority; a stored reason in the active language
  (its stored text when the kind has no renderer or is unknown).
- `ProvidedReason`: what a provider returns per store, with an optional `visit_by` deadline and the
  `subject` (the id of the record it is about, handed back to the kind's `link`).
- `PROVIDERS`: every registered provider, called as provider(manager, week_start, policy) and returning
  {customer_pk: [ProvidedReason or (code, text), ...]}.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fieldcrm.care.models import VisitFrequency
from fieldcrm.customers.models import ClassificationChange, Customer
from fieldcrm.visits.models import Reason


@dataclass(frozen=True)
class ReasonKind:
    code: str
    priority: int
    # args -> text in the active language; None: the stored text is shown as it is (hand-written reasons).
    render: Callable[[dict], str] | None = None
    # Rendered even without arguments (a reason whose bare code already says it: "never visited").
    render_bare: bool = False
    # [(planned visit, [subject ids])] -> None: records which of the kind's records each visit is for.
    link: Callable[[list[tuple[Any, list[int]]]], None] | None = None


@dataclass(frozen=True)
class ProvidedReason:
    """A reason from a provider, rendered from `args` by its kind's renderer (else `text` as given);
    `visit_by`, when set, is the last day the visit still serves it (the week's visit is planned on or
    before it; a day already past means as early in the week as possible); `subject`, when set, the id of
    the record the reason is about (the kind's `link` records it once the visit is planned)."""

    code: str
    text: str = ""
    args: dict = field(default_factory=dict)
    visit_by: date | None = None
    subject: int | None = None


KINDS: dict[str, ReasonKind] = {}
PROVIDERS: list[Callable] = []
UNKNOWN_PRIORITY = 1


def register(code: str, *, priority: int, render: Callable[[dict], str] | None = None,
             render_bare: bool = False, provider: Callable | None = None,
             link: Callable[[list[tuple[Any, list[int]]]], None] | None = None) -> None:
    KINDS[str(code)] = ReasonKind(str(code), priority, render, render_bare, link)
    if provider is not None and provider not in PROVIDERS:
        PROVIDERS.append(provider)


def link_subjects(pairs: list[tuple[Any, dict[str, list[int]]]]) -> None:
    """[(planned visit, {code: [subject ids]})] once the visits are written: each kind that links records
    its own (one call per kind)."""
    by_code: dict[str, list[tuple[Any, list[int]]]] = {}
    for visit, subjects in pairs:
        for code, ids in subjects.items():
            if ids:
                by_code.setdefault(code, []).append((visit, ids))
    for code, linked in by_code.items():
        kind = KINDS.get(code)
        if kind is not None and kind.link is not None:
            kind.link(linked)


def priority_of(code: str) -> int:
    kind = KINDS.get(code)
    return kind.priority if kind else UNKNOWN_PRIORITY


def reason_text(reason: dict) -> str:
    """A stored reason in the active language: from its code and arguments when its kind renders them,
    else its stored text (hand-written reasons, providers' plain reasons, kinds no longer registered)."""
    kind = KINDS.get(reason.get("code", ""))
    args = reason.get("args")
    if kind is None or kind.render is None or not (args or kind.render_bare):
        return reason.get("text", "")
    return kind.render(args or {})


# --- the reasons visits finds itself (candidates.week_candidates) ---------------------------------------


def _standard_text(args: dict) -> str:
    code = args.get("frequency", "")
    frequency = dict(VisitFrequency.choices).get(code, code)
    return _("%(class)s: %(frequency)s") % {"class": args.get("cls", ""), "frequency": frequency}


def _service_text(args: dict) -> str:
    return _("%(service)s due %(date)s") % args


def _stale_text(args: dict) -> str:
    names = [str(getattr(Customer._meta.get_field(name), "verbose_name", name)) for name in args.get("fields", [])]
    return _("Verify: %(fields)s") % {"fields": pgettext("list separator", ", ").join(names)}


def _new_text(args: dict) -> str:
    return _("New retailer since %(date)s") % args


def _tier_change_text(args: dict) -> str:
    field = args.get("field", "")
    label = dict(ClassificationChange.Field.choices).get(field, field)
    return f"{label} {args.get('old') or '—'} → {args.get('new') or '—'}"


def _not_visited_text(args: dict) -> str:
    return _("Last visit %(date)s") % args if args.get("date") else _("Never visited")


# A stale profile alone is the first to wait: it is verified at the next routine visit anyway.
register(Reason.STALE, priority=1, render=_stale_text)
register(Reason.STANDARD, priority=2, render=_standard_text)
register(Reason.NOT_VISITED, priority=2, render=_not_visited_text, render_bare=True)
register(Reason.SERVICE, priority=3, render=_service_text)
register(Reason.NEW, priority=3, render=_new_text)
register(Reason.TIER_CHANGE, priority=3, render=_tier_change_text)
register(Reason.MANUAL, priority=4)
