"""Finding a store by what a person remembers of it — part of its name, its code or its address — among the
stores a page offers: the plan's "add a visit" (the plan manager's active stores) and the market report's
store (the reporter's own). The page shows the matches with `visits/_store_matches.html` and posts the chosen
`customer_code`; without JavaScript the search text comes with the form and names the store when exactly
one matches."""

from __future__ import annotations

from django.db.models import Q

MATCHES = 8  # enough to pick from on a phone screen


def search_text(raw: str) -> str:
    """The search as typed, spaces folded, at most 50 characters."""
    return " ".join((raw or "").split())[:50]


def matching_stores(stores, raw: str) -> tuple[str, list]:
    """(the search text, the first stores of `stores` matching it by name, address or code prefix); no
    stores for fewer than two characters."""
    query = search_text(raw)
    if len(query) < 2:
        return query, []
    found = stores.filter(Q(search_text__contains=query.lower()) | Q(customer_code__startswith=query))
    return query, list(found.order_by("name", "pk")[:MATCHES])


def only_match(stores, raw: str):
    """The one store the search text names, or None (no match, or several)."""
    _query, found = matching_stores(stores, raw)
    return found[0] if len(found) == 1 else None
