"""What a visit must cover at one store on one day: the registry of checklist providers.

Like the plan's reasons (`visits.reasons`), each kind of checklist item is registered once by the app
that knows it, so `visits` never imports those apps (e.g. followup registers "demands awaiting feedback
to this retailer" from `FollowupConfig.ready()`; analytics will add out-of-stock risks the same way).

- `register(kind, provider, answer=None)`: add a kind (idempotent: ready() may run twice; registering a
  kind again replaces its provider and hook).

  `provider(customer, day, user, planned_visit)` is called with the store (a `customers.Customer`), the
  day (a `date`), the user asking (the manager, or a supervisor reading) and the planned visit of that
  store on that day (a `visits.PlannedVisit`) or None. It returns a list of `ChecklistItem` (or dicts with
  the same keys): `code` is stable across calls and days for the same thing to do, namespaced by the kind
  (`service:123`, `verify:phone`, `demand:45`, `sku:6901028`), so a phone that built the checklist
  offline answers by code; `kind` is the registered kind; `text` is rendered in the active language (the
  reader's); `data` is anything else the phone may show (dates, prices, ids), JSON-serialisable.
  Providers only read; they must not write.

- `answer(item_code, done, note, by, visit)` is the kind's hook, called by `fieldwork.record_visit` in the
  visit's transaction for each answered item of the kind (the kind is the code's prefix before ":"):
  `done` is a bool, `note` a string, `by` the manager, `visit` the recorded `visits.Visit`. It does what
  answering means (completes the service task, marks the profile field verified, records the feedback)
  and raises a `fieldcrm.errors` refusal when the item cannot be answered (then nothing of the visit is
  stored). A kind without a hook stores the answer only. Hooks must be idempotent per visit: a replay of
  the same visit never calls them twice, but an item may be answered again at a later visit.

- `items_for(customer, day, user, planned_visit=None)`: every provider's items, providers in registration
  order; a failing provider is a bug and raises.
- `hook_for(code)`: the answer hook of an item code's kind, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChecklistKind:
    kind: str
    provider: Callable[..., list]
    answer: Callable[..., None] | None = None


KINDS: dict[str, ChecklistKind] = {}


def register(kind: str, provider: Callable[..., list], answer: Callable[..., None] | None = None) -> None:
    KINDS[str(kind)] = ChecklistKind(str(kind), provider, answer)


def kind_of(code: str) -> str:
    return str(code).split(":", 1)[0]


def hook_for(code: str) -> Callable[..., None] | None:
    registered = KINDS.get(kind_of(code))
    return registered.answer if registered else None


def _as_item(kind: str, item: ChecklistItem | dict) -> ChecklistItem:
    if isinstance(item, ChecklistItem):
        return item
    return ChecklistItem(code=str(item["code"]), kind=str(item.get("kind") or kind), text=str(item.get("text", "")),
                         data=dict(item.get("data") or {}))


def items_for(customer, day, user, planned_visit=None) -> list[ChecklistItem]:
    items: list[ChecklistItem] = []
    for registered in list(KINDS.values()):
        items.extend(_as_item(registered.kind, item)
                     for item in registered.provider(customer, day, user, planned_visit) or [])
    return items
