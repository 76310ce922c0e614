"""Tiers from orders (档位): the company's `TierRule` applied to the last N weeks of order lines.

The score, exactly. Over the half-open window [as_of − 7·weeks days, as_of), for the ranked retailers —
the company's active customers who have ordered at least once before `as_of` — take per retailer

    volume V (条, sum of quantity), value A (元, sum of amount), average carton price P = A / V (0 when V = 0);

rank each figure ascending among the n ranked retailers, ties sharing their lowest position
(r = 1 + the number of retailers with a strictly smaller figure, so r/n is in (0, 1]), and weight the ranks:

    score = (w_V·r_V + w_A·r_A + w_P·r_P) / (n · (w_V + w_A + w_P))          (0 < score ≤ 1)
    tier  = max(1, ⌈30 · score⌉)                                             (30 equal bands, 30 = largest)

computed with integers (no rounding at band edges). A retailer alone in its company scores 1 (tier 30).
A retailer who has never ordered (new) is not ranked: it gets the rule's default tier when it has none.

Applying (`apply_tier_rule`): each new tier within `max_jump` of the current one is written through
`customers.actions.update_customer` (source `tier_rule`, reason "score 82.5 over 12 weeks …": the
`ClassificationChange` log); a larger move waits in a `TierReview` for the supervisor of the customer's
manager (`approve_tier_review` applies it through the same action, `reject_tier_review` keeps the tier). A
new run replaces a pending proposal. The scheduled job runs it when the review period has passed
(`TierRule.is_due`); `manage.py apply_tier_rule` runs it now.

The ranking is an Ibis expression over the analytics engine's canonical tables (`sources.current_tables()`:
the copy refreshed first), so it runs on any backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import ibis
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fieldcrm.customers.actions import update_customer
from fieldcrm.customers.models import Customer, CustomerStatus
from fieldcrm.errors import ActionRefused, InvalidInput
from fieldcrm.sales.analytics import sources
from fieldcrm.sales.models import TierReview, TierRule

SOURCE = "tier_rule"  # ClassificationChange.source of every change the rule makes
TIERS = 30


# --- the score ---------------------------------------------------------------------------------------


def window_of(rule: TierRule, as_of: date) -> tuple[date, date]:
    return as_of - timedelta(weeks=rule.weeks), as_of


def tier_figures(tables: dict[str, ibis.Table], company_id: int, start: date, end: date) -> ibis.Table:
    """Per ranked retailer: volume, value, price and their ranks (1 = smallest, ties at the lowest) and n."""
    customers, orders = tables["customers"], tables["orders"]
    active = customers.filter((customers.company_id == company_id) & (customers.status == CustomerStatus.ACTIVE))
    ordered = orders.filter(orders.order_date < end).select("customer_id").distinct()
    recent = orders.filter((orders.order_date >= start) & (orders.order_date < end))
    sums = recent.group_by("customer_id").aggregate(volume=recent.quantity.sum(), value=recent.amount.sum())
    ranked = active.select("customer_id").join(ordered, "customer_id").left_join(sums, "customer_id")
    # Value to the fen, so equal sums tie whatever order a backend adds the lines in.
    ranked = ranked.select(
        "customer_id", volume=ranked.volume.fill_null(0), value=ranked.value.fill_null(0).cast("float64").round(2))
    ranked = ranked.mutate(price=ibis.ifelse(ranked.volume > 0, ranked.value / ranked.volume, 0).cast("float64"))
    return ranked.mutate(
        volume_rank=ibis.rank().over(order_by=ranked.volume) + 1,
        value_rank=ibis.rank().over(order_by=ranked.value) + 1,
        price_rank=ibis.rank().over(order_by=ranked.price) + 1,
        n=ranked.customer_id.count().over(),
    )


def score_parts(rule: TierRule, volume_rank: int, value_rank: int, price_rank: int, n: int) -> tuple[int, int]:
    """The score as an exact fraction (numerator, denominator)."""
    weights = rule.volume_weight + rule.value_weight + rule.price_weight
    top = rule.volume_weight * volume_rank + rule.value_weight * value_rank + rule.price_weight * price_rank
    return top, n * weights


def tier_of_score(top: int, bottom: int) -> int:
    return max(1, min(TIERS, -(-TIERS * top // bottom)))


# --- proposals ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    customer_id: int
    old_tier: int | None
    new_tier: int
    reason: str
    score: float | None = None  # None: the default tier of a new retailer


@dataclass
class TierRun:
    """What one run found and did (or, dry, would do)."""

    as_of: date
    dry_run: bool
    applied: list[Proposal] = field(default_factory=list)
    held: list[Proposal] = field(default_factory=list)  # waiting for review
    unchanged: int = 0

    def summary(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "dry_run": self.dry_run, "applied": len(self.applied),
                "held_for_review": len(self.held), "unchanged": self.unchanged}


def _reason(rule: TierRule, score: float, row: dict) -> str:
    return _("score %(score)s over %(weeks)s weeks: %(volume)s 条, %(value)s 元") % {
        "score": f"{score * 100:.1f}", "weeks": rule.weeks, "volume": row["volume"], "value": f"{row['value']:.2f}"}


def propose_tiers(company, as_of: date, *, rule: TierRule | None = None, tables=None) -> list[Proposal]:
    """The tier each active customer of the company should have on `as_of` by the rule, where it has one."""
    rule = rule or TierRule.for_company(company)
    start, end = window_of(rule, as_of)
    tables = tables or sources.current_tables()
    rows = tier_figures(tables, company.pk, start, end).to_pyarrow().to_pylist()
    current = dict(Customer.objects.filter(company=company, status=CustomerStatus.ACTIVE).values_list("pk", "tier"))
    proposals = []
    ranked = set()
    with translation.override(settings.LANGUAGE_CODE):  # reasons are stored: the company's language
        for row in rows:
            ranked.add(row["customer_id"])
            top, bottom = score_parts(rule, row["volume_rank"], row["value_rank"], row["price_rank"], row["n"])
            score = top / bottom
            proposals.append(Proposal(row["customer_id"], current.get(row["customer_id"]), tier_of_score(top, bottom),
                                      _reason(rule, score, row), score))
        for pk, tier in current.items():
            if pk not in ranked and tier is None:
                proposals.append(Proposal(pk, None, rule.default_tier,
                                          _("default tier of a new retailer (no orders yet)")))
    return proposals


# --- applying ----------------------------------------------------------------------------------------


def apply_tier_rule(company, *, as_of: date | None = None, dry_run: bool = False, tables=None) -> TierRun:
    """Review every tier of the company now: apply small moves, hold large ones for review. Dry: change
    nothing, report what would happen."""
    as_of = as_of or timezone.localdate()
    rule = TierRule.for_company(company)
    run = TierRun(as_of, dry_run)
    pending = {review.customer_id: review for review in TierReview.objects.filter(
        customer__company=company, status=TierReview.Status.PENDING)}
    for proposal in propose_tiers(company, as_of, rule=rule, tables=tables):
        if proposal.new_tier == proposal.old_tier:
            run.unchanged += 1
            if not dry_run and proposal.customer_id in pending:
                _supersede(pending[proposal.customer_id])
            continue
        big = proposal.old_tier is not None and abs(proposal.new_tier - proposal.old_tier) > rule.max_jump
        (run.held if big else run.applied).append(proposal)
        if dry_run:
            continue
        with transaction.atomic():
            if proposal.customer_id in pending:
                _supersede(pending[proposal.customer_id])
            if big:
                TierReview.objects.create(customer_id=proposal.customer_id, old_tier=proposal.old_tier,
                                          new_tier=proposal.new_tier, reason=proposal.reason[:200])
            else:
                customer = Customer.objects.get(pk=proposal.customer_id)
                update_customer(customer, {"tier": proposal.new_tier}, by=None, source=SOURCE,
                                reason=proposal.reason)
    if not dry_run:
        TierRule.objects.filter(pk=rule.pk).update(last_review_on=as_of)
    return run


def _supersede(review: TierReview) -> None:
    TierReview.objects.filter(pk=review.pk, status=TierReview.Status.PENDING).update(
        status=TierReview.Status.SUPERSEDED, decided_at=timezone.now())


def apply_when_due(company, today: date | None = None) -> TierRun | None:
    """The scheduled job's step: run the rule only when the review period has passed."""
    today = today or timezone.localdate()
    if not TierRule.for_company(company).is_due(today):
        return None
    return apply_tier_rule(company, as_of=today)


# --- the supervisor's review -------------------------------------------------------------------------


def reviews_visible_to(user):
    """Tier reviews of the customers the user may see (their manager's, the team's, the company's)."""
    return TierReview.objects.filter(customer__in=Customer.objects.visible_to(user))


def can_decide(user, review: TierReview) -> bool:
    """The supervisor of the customer's manager (or the company admin)."""
    customer = review.customer
    if user.company_id != customer.company_id and not user.is_superuser:
        return False
    if user.is_company_admin:
        return True
    return user.is_supervisor and user.area_id is not None and customer.manager.area_id == user.area_id


def get_review_to_decide(user, pk) -> TierReview:
    """404 for a review the user may not see, 403 for one they may see but not decide (its manager)."""
    review = reviews_visible_to(user).select_related("customer__manager").filter(pk=pk).first()
    if review is None:
        raise Http404("No such tier review")
    if not can_decide(user, review):
        raise PermissionDenied
    return review


def _lock_pending(review: TierReview) -> TierReview:
    locked = TierReview.objects.select_for_update().select_related("customer").get(pk=review.pk)
    if locked.status != TierReview.Status.PENDING:
        raise ActionRefused(_("This tier review was already decided (%(status)s).")
                            % {"status": locked.get_status_display()})
    return locked


def approve_tier_review(review: TierReview, *, by, note: str = "") -> TierReview:
    with transaction.atomic():
        review = _lock_pending(review)
        update_customer(review.customer, {"tier": review.new_tier}, by=by, source=SOURCE,
                        reason=_("%(reason)s (jump approved)") % {"reason": review.reason})
        review.status, review.decided_by, review.decided_at, review.note = (
            TierReview.Status.APPROVED, by, timezone.now(), note[:200])
        review.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return review


def reject_tier_review(review: TierReview, *, by, note: str = "") -> TierReview:
    if not note.strip():
        raise InvalidInput(_("Say why the tier stays as it is."), field="note")
    with transaction.atomic():
        review = _lock_pending(review)
        review.status, review.decided_by, review.decided_at, review.note = (
            TierReview.Status.REJECTED, by, timezone.now(), note[:200])
        review.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return review
