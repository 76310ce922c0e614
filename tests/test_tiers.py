"""Tiers from orders: the rule's score with hand-computed values, the log, reviews of big jumps, the
supervisor's page, the scheduled job and the command."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from fieldcrm.customers.models import ClassificationChange, CustomerStatus
from fieldcrm.errors import ActionRefused
from fieldcrm.sales import tasks, tiers
from fieldcrm.sales.models import OrderLine, TierReview, TierRule
from tests.factories import make_customer, make_sku

AS_OF = date(2026, 3, 16)  # a Monday; the window of 12 weeks is [2025-12-22, 2026-03-16)
NOW = datetime(2026, 3, 16, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_orders = iter(range(1, 10_000))


def order(customer, day, quantity, amount, sku=None):
    sku = sku or make_sku()
    return OrderLine.objects.create(order_no=f"O{next(_orders):06d}", sku=sku, customer=customer, order_date=day,
                                    quantity=quantity, unit_price=Decimal(amount) / quantity if quantity else 0,
                                    amount=Decimal(amount), unit_cost=Decimal("340"))


@pytest.fixture
def stores(cast, time_machine):
    """Five retailers who ordered, two new ones and a closed one; weights 50/30/20, 12 weeks, max jump 3.

    In the window:   volume  value   price      Before the window only: E.
      A              100     10000   100        A also 500 条 before the window and 70 条 on AS_OF (both out).
      B               50     12500   250
      C               50      4000    80
      D               10      3000   300
      E                0         0     0
    Ranks (1 = smallest, ties lowest), n = 5:  A 5/4/3, B 3/5/4, C 3/3/2, D 2/2/5, E 1/1/1.
    Scores /500: A 250+120+60=430 → 0.86 → ⌈25.8⌉ = 26; B 150+150+80=380 → 0.76 → ⌈22.8⌉ = 23;
    C 150+90+40=280 → 0.56 → ⌈16.8⌉ = 17; D 100+60+100=260 → 0.52 → ⌈15.6⌉ = 16; E 100/500 → 6.
    """
    time_machine.move_to(NOW, tick=False)
    alice = cast["alice"]
    TierRule.objects.create(company=cast["company"], volume_weight=50, value_weight=30, price_weight=20, weeks=12,
                            default_tier=10, max_jump=3)
    s = {name: make_customer(alice, tier=tier) for name, tier in
         [("A", 24), ("B", 12), ("C", 17), ("D", 20), ("E", 8), ("F", None), ("G", 15)]}
    s["X"] = make_customer(cast["charlie"], tier=None, status=CustomerStatus.CLOSED)
    day = AS_OF - timedelta(days=10)
    order(s["A"], day, 60, "6000")
    order(s["A"], day - timedelta(days=70), 40, "4000", sku=make_sku("6901028000002", "中华(软)"))
    order(s["A"], AS_OF - timedelta(days=85), 500, "50000")
    order(s["A"], AS_OF, 70, "7000")
    order(s["B"], day, 50, "12500")
    order(s["C"], AS_OF - timedelta(days=84), 50, "4000")  # the window's first day is in
    order(s["D"], day, 10, "3000")
    order(s["E"], AS_OF - timedelta(days=100), 20, "2000")
    order(s["X"], day, 999, "99900")
    return s


def test_the_score_by_hand(stores, cast):
    proposals = {p.customer_id: p for p in tiers.propose_tiers(cast["company"], AS_OF)}
    expected = {"A": 26, "B": 23, "C": 17, "D": 16, "E": 6, "F": 10}
    assert {pk: p.new_tier for pk, p in proposals.items()} == {stores[k].pk: v for k, v in expected.items()}
    assert proposals[stores["A"].pk].score == pytest.approx(0.86)
    assert "86.0" in proposals[stores["A"].pk].reason and "12" in proposals[stores["A"].pk].reason


def test_a_band_edge_is_exact():
    rule = TierRule(volume_weight=50, value_weight=30, price_weight=20)
    # 0.7 exactly is band 21, not 22 (no floating point at the edge); the top is 30, the bottom at least 1.
    assert tiers.tier_of_score(*tiers.score_parts(rule, 2, 4, 3, 4)) == 21
    assert tiers.tier_of_score(*tiers.score_parts(rule, 1, 1, 1, 1)) == 30
    assert tiers.tier_of_score(*tiers.score_parts(rule, 1, 1, 1, 1000)) == 1


def test_applying_logs_small_moves_and_holds_big_jumps(stores, cast):
    run = tiers.apply_tier_rule(cast["company"], as_of=AS_OF)
    assert run.summary() == {"as_of": "2026-03-16", "dry_run": False, "applied": 3, "held_for_review": 2,
                             "unchanged": 1}
    for name, tier in {"A": 26, "B": 12, "C": 17, "D": 20, "E": 6, "F": 10, "G": 15}.items():
        stores[name].refresh_from_db()
        assert stores[name].tier == tier, name
    log = ClassificationChange.objects.get(customer=stores["A"])
    assert (log.old_value, log.new_value, log.source) == ("24", "26", "tier_rule")
    assert log.reason == "近12周得分 86.0：100 条，10000.00 元"  # in the company's language
    held = {r.customer_id: (r.old_tier, r.new_tier) for r in TierReview.objects.filter(status="pending")}
    assert held == {stores["B"].pk: (12, 23), stores["D"].pk: (20, 16)}
    assert TierRule.objects.get(company=cast["company"]).last_review_on == AS_OF


def test_dry_run_changes_nothing(stores, cast):
    run = tiers.apply_tier_rule(cast["company"], as_of=AS_OF, dry_run=True)
    assert (len(run.applied), len(run.held)) == (3, 2)
    assert not ClassificationChange.objects.exists() and not TierReview.objects.exists()
    assert TierRule.objects.get(company=cast["company"]).last_review_on is None


def test_a_new_run_replaces_a_pending_review(stores, cast):
    tiers.apply_tier_rule(cast["company"], as_of=AS_OF)
    tiers.apply_tier_rule(cast["company"], as_of=AS_OF)
    assert TierReview.objects.filter(status="pending").count() == 2
    assert TierReview.objects.filter(status="superseded").count() == 2


def test_approving_applies_through_the_action_and_rejecting_keeps(stores, cast):
    tiers.apply_tier_rule(cast["company"], as_of=AS_OF)
    b = TierReview.objects.get(customer=stores["B"], status="pending")
    d = TierReview.objects.get(customer=stores["D"], status="pending")
    tiers.approve_tier_review(b, by=cast["sam"])
    stores["B"].refresh_from_db()
    assert stores["B"].tier == 23
    log = ClassificationChange.objects.get(customer=stores["B"])
    assert (log.new_value, log.changed_by, log.source) == ("23", cast["sam"], "tier_rule")
    with pytest.raises(ActionRefused), translation.override("en"):
        tiers.approve_tier_review(b, by=cast["sam"])
    tiers.reject_tier_review(d, by=cast["sam"], note="门店装修, 暂时订得少")
    stores["D"].refresh_from_db()
    assert stores["D"].tier == 20


def test_the_schedule_runs_only_when_the_review_is_due(stores, cast):
    rule = TierRule.objects.get(company=cast["company"])
    rule.last_review_on = date(2026, 2, 28)
    rule.save()
    assert rule.next_review_on() == date(2026, 3, 28)
    assert tasks.apply_tier_rules() == {}
    rule.last_review_on, rule.review_period = date(2025, 12, 31), TierRule.Period.QUARTERLY
    rule.save()
    assert rule.next_review_on() == date(2026, 3, 31)
    rule.last_review_on, rule.review_period = date(2026, 1, 31), TierRule.Period.MONTHLY
    rule.save()
    assert rule.next_review_on() == date(2026, 2, 28)
    assert tasks.apply_tier_rules()[cast["company"].pk]["applied"] == 3


def test_the_command(stores, cast):
    out = StringIO()
    call_command("apply_tier_rule", "--dry-run", "--as-of", "2026-03-16", stdout=out)
    assert "would apply 3" in out.getvalue() and "held for review 2" in out.getvalue()
    assert not ClassificationChange.objects.exists()
    call_command("apply_tier_rule", stdout=StringIO())
    assert ClassificationChange.objects.filter(source="tier_rule").count() == 3


# --- the supervisor's page ---------------------------------------------------------------------------


@pytest.fixture
def pending(stores, cast):
    tiers.apply_tier_rule(cast["company"], as_of=AS_OF)
    return TierReview.objects.get(customer=stores["B"], status="pending")


def test_the_supervisor_sees_and_approves(pending, cast, login):
    page = login(cast["sam"]).get(reverse("tiers:reviews"))
    assert page.status_code == 200
    assert pending.customer.name in page.content.decode()
    answer = login(cast["sam"]).post(reverse("tiers:decide", args=[pending.pk]),
                                     {"decision": "approve", "note": ""})
    assert answer.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"


def test_rejecting_needs_a_note(pending, cast, login):
    login(cast["sam"]).post(reverse("tiers:decide", args=[pending.pk]), {"decision": "reject"})
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_outsiders_get_404_and_the_manager_403(pending, cast, login):
    from fieldcrm.org.models import User
    from tests.factories import make_user

    other = make_user("sue", User.Role.SUPERVISOR, cast["company"], area=cast["rural"])
    url = reverse("tiers:decide", args=[pending.pk])
    assert login(other).post(url, {"decision": "approve"}).status_code == 404
    assert login(cast["charlie"]).post(url, {"decision": "approve"}).status_code == 404
    assert login(cast["alice"]).post(url, {"decision": "approve"}).status_code == 403
    assert login(cast["alice"]).get(reverse("tiers:reviews")).status_code == 403
    assert pending.customer.name not in login(other).get(reverse("tiers:reviews")).content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
