"""Weekly visit plans: who is due and why, the routed week, edits, submission and approval, jobs."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

import planner
from fieldcrm.care.models import ServiceItem, ServiceStandard, ServiceTask, TaskSource, VisitFrequency
from fieldcrm.customers.models import ClassificationChange
from fieldcrm.errors import ActionRefused, InvalidInput, StaleVersion, TooLarge
from fieldcrm.visits import actions, candidates, planning, reasons, routing, tasks
from fieldcrm.visits.models import PlanChange, PlannedVisit, PlanningJob, PlanningPolicy, Reason, WeekPlan
from fieldcrm.visits.tasks import plan_week_job, start_manager_job, start_run
from tests.factories import CENTRE, TODAY, WEEK, make_store, make_visit


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=True)


@pytest.fixture
def stores(cast):
    alice = cast["alice"]
    alice.start_latitude, alice.start_longitude = CENTRE
    alice.save()
    # Twice-weekly stores whatever the default standards say: their visits come as day pairs.
    ServiceStandard.objects.filter(customer_class__company=alice.company, customer_class__name="核心客户").update(
        visit_frequency=VisitFrequency.TWICE_WEEKLY)
    made = [make_store(alice, n, cls) for n, cls in enumerate(["核心客户"] * 3 + ["重点客户"] * 9)]
    return made


@pytest.fixture
def plan(cast, stores):
    return actions.generate_week_plan(cast["alice"], WEEK)


# --- who is due, and the problem built for the planner --------------------------------------------------


def test_visits_due_by_frequency():
    assert candidates.visits_due("twice_weekly", 1, None, WEEK) == 2
    assert candidates.visits_due("weekly", 1, WEEK - timedelta(days=2), WEEK) == 1
    assert candidates.visits_due("fortnightly", 1, WEEK - timedelta(days=5), WEEK) == 0  # visited last week
    assert candidates.visits_due("fortnightly", 1, WEEK - timedelta(days=12), WEEK) == 1
    assert candidates.visits_due("monthly", 1, WEEK - timedelta(days=14), WEEK) == 0
    assert candidates.visits_due("monthly", 1, WEEK - timedelta(days=26), WEEK) == 1
    assert candidates.visits_due(None, 1, None, WEEK) == 0


def test_never_visited_fortnightly_and_monthly_stores_are_spread_over_the_weeks():
    fortnightly = [sum(candidates.visits_due("fortnightly", pk, None, WEEK + timedelta(weeks=w)) for w in range(2))
                   for pk in range(1, 200)]
    assert set(fortnightly) == {1}  # each store exactly once per two weeks
    monthly = [candidates.visits_due("monthly", pk, None, WEEK) for pk in range(1, 401)]
    assert 60 < sum(monthly) < 140  # about a quarter each week


def test_order_day_limits_the_days(cast, db):
    policy = PlanningPolicy.for_company(cast["company"])
    store = make_store(cast["alice"], 1, "重点客户", order_day=4)  # Thursday
    assert planning.allowed_days(store, policy) == [1, 2, 3]
    store.order_day = 1
    assert planning.allowed_days(store, policy) == [0]
    store.order_day = 7  # Sunday, a day off: the last working days
    assert planning.allowed_days(store, policy) == [3, 4, 5]
    store.order_day = None
    assert planning.allowed_days(store, policy) == [0, 1, 2, 3, 4, 5]


def test_twice_weekly_patterns_are_two_days_apart_one_on_or_before_the_order_day(cast, db):
    policy = PlanningPolicy.for_company(cast["company"])
    store = make_store(cast["alice"], 1, "核心客户", order_day=3)
    patterns = planning.patterns_for(candidates.Candidate(store, visits=2), policy)
    assert patterns and all(len(p) == 2 and p[1] - p[0] >= 2 for p in patterns)
    assert all(any(d in (0, 1, 2) for d in p) for p in patterns)


def test_reasons_name_the_problems(cast, stores):
    alice = cast["alice"]
    now = timezone.now()
    stale = make_store(alice, 20, "培育客户", phone_verified_at=now - timedelta(days=200))
    new = make_store(alice, 21, "培育客户", created_at=now - timedelta(days=3))
    tiered = make_store(alice, 22, "培育客户")
    ClassificationChange.objects.create(customer=tiered, field="tier", old_value="8", new_value="12",
                                        changed_at=timezone.make_aware(datetime(2026, 11, 25, 10)), source="edit")
    served = make_store(alice, 23, "培育客户")
    item = ServiceItem.objects.get(company=cast["company"], code="business_guidance")
    ServiceTask.objects.create(customer=served, item=item, source=TaskSource.STANDARD, due_date=WEEK + timedelta(2))
    policy = PlanningPolicy.for_company(cast["company"])
    with_reasons = {c.customer.pk: c for c in candidates.week_candidates(alice, WEEK, policy)}
    codes = {pk: [r["code"] for r in c.reasons] for pk, c in with_reasons.items()}
    assert Reason.STALE in codes[stale.pk]
    assert Reason.NEW in codes[new.pk]
    assert Reason.TIER_CHANGE in codes[tiered.pk]
    assert Reason.SERVICE in codes[served.pk]
    assert "经营指导" in with_reasons[served.pk].reasons[-1]["text"]
    assert all(codes[s.pk] == [Reason.STANDARD] for s in stores)  # due by their class, nothing else
    assert with_reasons[stores[0].pk].visits == 2  # 核心客户: twice a week


# --- generating ----------------------------------------------------------------------------------------


def test_generated_plan_is_routed_feasible_and_explains_each_visit(cast, stores, plan):
    visits = list(plan.visits.select_related("customer"))
    assert len(visits) == 3 * 2 + 9  # the core stores twice, the key stores once
    assert plan.unplanned == []
    policy = PlanningPolicy.for_company(cast["company"])
    for visit in visits:
        assert visit.reasons and visit.reasons[0]["code"] == Reason.STANDARD
        assert (visit.day - WEEK).days in planning.allowed_days(visit.customer, policy) or any(
            (v.day - WEEK).days in planning.allowed_days(visit.customer, policy)
            for v in visits if v.customer_id == visit.customer_id)
        assert visit.arrival is not None
    # The stored order is a feasible plan of the problem the adapter builds.
    due = candidates.week_candidates(cast["alice"], WEEK, policy)
    week = planning.build_problem(cast["alice"], WEEK, policy, due)
    routes = [{"day": d, "stops": [str(v.customer_id) for v in visits if (v.day - WEEK).days == d]}
              for d in range(policy.working_days)]
    assert planner.check(week.problem, {"routes": routes, "unassigned": []}).feasible
    assert PlanChange.objects.filter(plan=plan, kind=PlanChange.Kind.GENERATE).count() == 1


def test_store_without_location_is_listed_not_lost(cast, stores):
    lost = make_store(cast["alice"], 30, "重点客户", latitude=None, longitude=None)
    plan = actions.generate_week_plan(cast["alice"], WEEK)
    assert [u["code"] for u in plan.unplanned] == [lost.customer_code]
    assert not plan.visits.filter(customer=lost).exists()


def test_regenerating_a_draft_replaces_it_but_a_submitted_plan_is_kept(cast, stores, plan):
    again = actions.generate_week_plan(cast["alice"], WEEK)
    assert again.pk == plan.pk and again.visits.count() == 15
    actions.submit_plan(again, by=cast["alice"])
    with pytest.raises(ActionRefused):
        actions.generate_week_plan(cast["alice"], WEEK)
    assert WeekPlan.objects.get(pk=plan.pk).visits.count() == 15


def test_a_failure_while_writing_leaves_the_previous_plan_whole(cast, stores, plan, monkeypatch):
    before = sorted(plan.visits.values_list("customer_id", "day", "sequence"))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "_store_arrivals", broken)  # fails after the old visits were deleted
    with pytest.raises(RuntimeError):
        actions.generate_week_plan(cast["alice"], WEEK)
    assert sorted(plan.visits.values_list("customer_id", "day", "sequence")) == before


# --- jobs --------------------------------------------------------------------------------------------


def test_failed_job_is_retried_then_succeeds(cast, stores, monkeypatch):
    real = planning.solve
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("worker lost its connection")
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "solve", flaky)
    job = start_manager_job(cast["alice"], WEEK)
    job.refresh_from_db()
    assert job.status == PlanningJob.Status.DONE and job.attempts == 2
    assert job.plan.visits.count() == 15


def test_job_that_keeps_failing_is_marked_failed_and_writes_nothing(cast, stores, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("no route")

    monkeypatch.setattr(planning, "solve", broken)
    job = start_manager_job(cast["alice"], WEEK)
    job.refresh_from_db()
    assert job.status == PlanningJob.Status.FAILED and job.attempts == 3
    assert "no route" in job.error
    assert not WeekPlan.objects.filter(manager=cast["alice"]).exists()


def test_run_plans_the_whole_team_and_counts_progress(cast, stores):
    make_store(cast["bob"], 40, "重点客户")
    run = start_run(cast["company"], WEEK, [cast["alice"], cast["bob"]], by=cast["sam"])
    counts = run.counts()
    assert counts["total"] == 2 and counts["done"] == 2 and counts["finished"] == 2
    assert WeekPlan.objects.filter(week_start=WEEK).count() == 2


def test_job_delivered_twice_does_not_plan_twice(cast, stores):
    job = start_manager_job(cast["alice"], WEEK)
    plan = WeekPlan.objects.get(manager=cast["alice"])
    plan_week_job.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.attempts == 1
    assert PlanChange.objects.filter(plan=plan, kind=PlanChange.Kind.GENERATE).count() == 1


# --- editing and approval ------------------------------------------------------------------------------


def _day_order(plan, day):
    return list(plan.visits.filter(day=day).order_by("sequence").values_list("pk", flat=True))


def test_move_reorder_remove_add_keep_the_days_consistent(cast, stores, plan):
    alice = cast["alice"]
    visit = plan.visits.filter(customer=stores[5]).get()
    busiest = sorted({v.day for v in plan.visits.exclude(day=visit.day)},
                     key=lambda d: -plan.visits.filter(day=d).count())
    target = busiest[0]
    actions.move_visit(visit, target, by=alice)
    visit.refresh_from_db()
    assert visit.day == target
    for day in {v.day for v in plan.visits.all()}:
        assert [v.sequence for v in plan.visits.filter(day=day).order_by("sequence")] == list(
            range(1, plan.visits.filter(day=day).count() + 1))
    order = _day_order(plan, target)
    assert len(order) >= 2
    last = PlannedVisit.objects.get(pk=order[-1])
    actions.reorder_visit(last, 1, by=alice)
    assert _day_order(plan, target)[0] == last.pk
    actions.remove_visit(visit, by=alice)
    assert not plan.visits.filter(pk=visit.pk).exists()
    added = actions.add_visit(plan, stores[5], target, by=alice, reason="补货咨询")
    assert added.reasons == [{"code": "manual", "text": "补货咨询"}]
    kinds = list(plan.changes.values_list("kind", flat=True))
    assert {"move", "reorder", "remove", "add"} <= set(kinds)


def test_edits_are_refused_with_a_reason(cast, stores, plan):
    alice = cast["alice"]
    visit = plan.visits.first()
    with pytest.raises(InvalidInput):
        actions.move_visit(visit, WEEK + timedelta(days=6), by=alice)  # Sunday is no working day
    with pytest.raises(InvalidInput):
        actions.add_visit(plan, make_store(cast["bob"], 50, "重点客户"), WEEK, by=alice)  # not hers
    duplicate_day = visit.day
    with pytest.raises(ActionRefused):
        actions.add_visit(plan, visit.customer, duplicate_day, by=alice)
    with pytest.raises(StaleVersion):
        actions.remove_visit(visit, by=alice, expected_version=plan.version - 1)
    assert plan.visits.filter(pk=visit.pk).exists()


def test_submit_approve_then_ad_hoc_changes_need_a_reason(cast, stores, plan):
    alice, sam = cast["alice"], cast["sam"]
    plan = actions.submit_plan(plan, by=alice)
    assert plan.status == WeekPlan.Status.SUBMITTED
    with pytest.raises(ActionRefused):  # waiting for the supervisor
        actions.reoptimise(plan, by=alice)
    with pytest.raises(InvalidInput):  # a return needs a comment
        actions.decide_plan(plan, by=sam, approve=False)
    plan = actions.decide_plan(plan, by=sam, approve=False, comment="周三太满，挪两家到周五")
    assert plan.status == WeekPlan.Status.RETURNED and plan.supervisor_comment
    plan = actions.submit_plan(plan, by=alice)
    plan = actions.decide_plan(plan, by=sam, approve=True)
    assert plan.status == WeekPlan.Status.APPROVED
    visit = plan.visits.first()
    with pytest.raises(InvalidInput):  # an ad-hoc change needs its reason
        actions.remove_visit(visit, by=alice)
    actions.remove_visit(visit, by=alice, reason="店主外出")
    change = plan.changes.get(kind=PlanChange.Kind.REMOVE)
    assert change.ad_hoc and change.reason == "店主外出"
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.APPROVED


def test_late_submission_is_flagged(cast, stores, plan, time_machine):
    time_machine.move_to(timezone.make_aware(datetime(2026, 11, 28, 9, 0)))  # Saturday, after Friday 18:00
    plan = actions.submit_plan(plan, by=cast["alice"])
    assert plan.submitted_late


def test_reoptimise_keeps_days_and_does_not_lengthen_the_week(cast, stores, plan):
    alice = cast["alice"]
    days_before = {v.pk: v.day for v in plan.visits.all()}
    for day in {v.day for v in plan.visits.all()}:  # scramble every day's order
        order = _day_order(plan, day)
        for sequence, pk in enumerate(reversed(order), start=1):
            PlannedVisit.objects.filter(pk=pk).update(sequence=sequence)
    scrambled = sum(r.km for r in routing.plan_days(plan))
    actions.reoptimise(plan, by=alice)
    assert {v.pk: v.day for v in plan.visits.all()} == days_before
    assert sum(r.km for r in routing.plan_days(plan)) <= scrambled + 1e-6


def test_join_request_flow(cast, stores, plan):
    visit = plan.visits.first()
    join = actions.request_join(visit, by=cast["max"], note="核查许可证")
    again = actions.request_join(visit, by=cast["max"], note="核查许可证")
    assert join.pk == again.pk
    decided = actions.decide_join(join, accept=True)
    assert decided.status == "accepted"


def test_weekly_schedule_plans_managers_without_a_plan(cast, stores, time_machine):
    from fieldcrm.visits.tasks import plan_next_week_for_all

    time_machine.move_to(timezone.make_aware(datetime(2026, 11, 26, 20, 0)))  # Thursday evening
    make_store(cast["bob"], 60, "重点客户")
    runs = plan_next_week_for_all()
    assert len(runs) == 1
    assert set(WeekPlan.objects.filter(week_start=WEEK).values_list("manager__username", flat=True)) == {
        "alice", "bob", "charlie"}
    assert plan_next_week_for_all() == []  # everybody has a plan now


def test_plan_weeks_command(cast, stores, capsys):
    from django.core.management import CommandError, call_command

    call_command("plan_weeks", "--week", WEEK.isoformat(), "--manager", "alice")
    assert "alice: done" in capsys.readouterr().out
    assert WeekPlan.objects.get(manager=cast["alice"], week_start=WEEK).visits.count() == 15
    with pytest.raises(CommandError):
        call_command("plan_weeks", "--week", "2026-12-01", "--manager", "alice")
    with pytest.raises(CommandError):
        call_command("plan_weeks", "--week", WEEK.isoformat(), "--manager", "nobody")


def test_admin_pages_show_plans_read_only(cast, plan, login):
    admin = login(cast["ada"])
    cast["ada"].is_staff = cast["ada"].is_superuser = True
    cast["ada"].save()
    assert admin.get("/admin/visits/weekplan/").status_code == 200
    assert admin.get(f"/admin/visits/weekplan/{plan.pk}/change/").status_code == 200
    assert admin.get("/admin/visits/planningpolicy/").status_code == 200
    assert admin.post(f"/admin/visits/weekplan/{plan.pk}/change/", {"status": "approved"}).status_code == 403


def test_later_apps_add_reasons_through_providers(cast, stores, monkeypatch):
    lonely = make_store(cast["alice"], 70, "培育客户")

    def out_of_stock(manager, week_start, policy):
        return {lonely.pk: [("stock_out", "中华(硬) 库存不足")]}

    def risk_text(args):
        return f"{args['brand']} runs out in {args['days']} days"

    monkeypatch.setattr(reasons, "PROVIDERS", [])
    monkeypatch.setattr(reasons, "KINDS", dict(reasons.KINDS))
    reasons.register("stock_out", priority=5, render=risk_text, provider=out_of_stock)
    reasons.register("stock_out", priority=5, render=risk_text, provider=out_of_stock)  # ready() runs twice
    assert reasons.PROVIDERS == [out_of_stock]
    policy = PlanningPolicy.for_company(cast["company"])
    candidate = next(c for c in candidates.week_candidates(cast["alice"], WEEK, policy) if c.customer == lonely)
    assert candidate.reasons[-1] == {"code": "stock_out", "text": "中华(硬) 库存不足"}
    assert candidate.priority == 5 == reasons.priority_of("stock_out")
    assert reasons.reason_text({"code": "stock_out", "args": {"brand": "中华", "days": 3}, "text": "old"}) == (
        "中华 runs out in 3 days")
    # A kind nobody registers any more (an app removed) still reads as the text stored at planning time.
    assert reasons.reason_text({"code": "gone", "args": {"x": 1}, "text": "旧原因"}) == "旧原因"


def test_reasons_read_in_the_readers_language(cast, db):
    from django.utils import translation

    stale = {"code": "stale", "args": {"fields": ["phone", "address"]}}
    standard = {"code": "standard", "args": {"cls": "重点客户", "frequency": "weekly"}}
    with translation.override("en"):
        assert reasons.reason_text(stale) == "Verify: phone, address"
        assert reasons.reason_text(standard) == "重点客户: Weekly"
        assert reasons.reason_text({"code": "not_visited"}) == "Never visited"
    with translation.override("zh-hans"):
        assert reasons.reason_text(stale) == "核实：联系电话、经营地址"
        assert reasons.reason_text(standard) == "重点客户：每周"
    assert reasons.reason_text({"code": "manual", "text": "补货"}) == "补货"


def test_never_visited_only_once_the_visits_cover_the_period(cast, stores):
    policy = PlanningPolicy.for_company(cast["company"])
    # Visits recorded from WEEK on: the history starts there.
    make_visit(stores[0], timezone.make_aware(datetime.combine(WEEK, time(10, 0))))
    # Taken over later (an old store, not a new retailer), so never visited; its stale phone brings it into
    # every week's candidates, whatever its monthly turn.
    monthly = make_store(cast["alice"], 80, "培育客户", phone_verified_at=timezone.now() - timedelta(days=200))

    def reasons_next(week):
        found = [c for c in candidates.week_candidates(cast["alice"], week, policy) if c.customer == monthly]
        assert len(found) == 1, "the stale store is a candidate every week"
        return found[0].reasons

    soon = reasons_next(WEEK + timedelta(weeks=1))  # the visits cover one week only: absence means nothing yet
    assert Reason.STALE in [r["code"] for r in soon] and Reason.NOT_VISITED not in [r["code"] for r in soon]
    far = WEEK + timedelta(days=policy.not_visited_days + 7)
    assert {"code": "not_visited", "text": reasons.reason_text({"code": "not_visited"})} in reasons_next(far)


# --- bounded planning: one job per manager and week, the horizon, the size limit, the queue ------------


@pytest.fixture
def queued(monkeypatch):
    """Jobs stay queued (nothing runs them): what a busy queue looks like to the next request."""
    dispatched = []
    monkeypatch.setattr(tasks, "dispatch", dispatched.extend)
    return dispatched


def test_a_repeated_request_returns_the_waiting_job(cast, stores, queued, login):
    job = start_manager_job(cast["alice"], WEEK)
    assert start_manager_job(cast["alice"], WEEK).pk == job.pk
    api = login(cast["alice"])
    answers = [api.post("/api/v1/visit-plans/generate", {"week": WEEK.isoformat()}, content_type="application/json")
               for _ in range(2)]
    assert [r.status_code for r in answers] == [202, 202]
    assert {r.json()["jobs"][0]["id"] for r in answers} == {job.pk}
    assert queued == [job.pk]  # queued once
    assert PlanningJob.objects.filter(manager=cast["alice"], week_start=WEEK).count() == 1
    # Another week is another job; a finished job does not stand in for a new request.
    assert start_manager_job(cast["alice"], WEEK + timedelta(weeks=1)).pk != job.pk
    PlanningJob.objects.filter(pk=job.pk).update(status=PlanningJob.Status.DONE)
    assert start_manager_job(cast["alice"], WEEK).pk != job.pk


def test_a_repeated_team_run_returns_the_run_in_progress(cast, stores, queued, login):
    make_store(cast["bob"], 40, "重点客户")
    sam = login(cast["sam"])
    first = sam.post("/api/v1/visit-plans/generate", {"week": WEEK.isoformat()}, content_type="application/json")
    again = sam.post("/api/v1/visit-plans/generate", {"week": WEEK.isoformat()}, content_type="application/json")
    assert first.json()["run_id"] == again.json()["run_id"] is not None
    assert PlanningJob.objects.filter(week_start=WEEK).count() == 2  # alice and bob, once each


def test_a_lost_job_is_replaced_by_the_next_request(cast, stores, queued, time_machine):
    job = start_manager_job(cast["alice"], WEEK)
    time_machine.shift(PlanningJob.STALL_AFTER + timedelta(minutes=1))
    again = start_manager_job(cast["alice"], WEEK)
    job.refresh_from_db()
    assert again.pk != job.pk and job.status == PlanningJob.Status.FAILED


def test_the_database_allows_one_waiting_job_per_manager_and_week(cast, db):
    from django.db import IntegrityError, transaction

    PlanningJob.objects.create(manager=cast["alice"], week_start=WEEK)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanningJob.objects.create(manager=cast["alice"], week_start=WEEK, status=PlanningJob.Status.RUNNING)
    PlanningJob.objects.create(manager=cast["alice"], week_start=WEEK, status=PlanningJob.Status.DONE)


@pytest.mark.parametrize("week", ["9999-12-27", "2027-03-01", "2026-11-16"])
def test_weeks_beyond_the_horizon_or_past_are_refused_before_queueing(cast, stores, queued, login, week):
    answer = login(cast["alice"]).post("/api/v1/visit-plans/generate", {"week": week},
                                       content_type="application/json")
    # (the API's date type stops year 9999 already, as 422 naming the field; the horizon answers 400)
    assert answer.status_code in (400, 422), answer.content
    assert not PlanningJob.objects.exists() and queued == []


def test_the_horizon_is_a_setting(cast, stores, queued, settings):
    from fieldcrm.visits.weeks import week_error

    today = TODAY.date()
    settings.VISIT_PLAN_WEEKS_AHEAD = 8
    assert week_error(WEEK + timedelta(weeks=7), today) is None  # 8 weeks from this week's Monday
    assert week_error(WEEK + timedelta(weeks=8), today) is not None
    settings.VISIT_PLAN_WEEKS_AHEAD = 1
    with pytest.raises(InvalidInput):
        start_run(cast["company"], WEEK + timedelta(weeks=1), [cast["alice"]], by=cast["sam"])
    with pytest.raises(InvalidInput):
        tasks.start_planning(cast["sam"], date(9999, 12, 27))


def test_a_manager_above_the_size_limit_is_refused_before_the_solver_runs(cast, stores, settings, login,
                                                                        monkeypatch):
    from django.utils import translation

    settings.VISIT_PLAN_MAX_STORES = 10  # alice has 12 active stores
    solved, real = [], planning.solve
    monkeypatch.setattr(planning, "solve", lambda *args, **kwargs: solved.append(1) or real(*args, **kwargs))
    with translation.override("en"):
        answer = login(cast["alice"]).post("/api/v1/visit-plans/generate", {"week": WEEK.isoformat()},
                                           content_type="application/json", headers={"Accept-Language": "en"})
    assert answer.status_code == 413
    assert "12 active stores" in answer.json()["detail"] and "at most 10" in answer.json()["detail"]
    assert not PlanningJob.objects.exists()
    with pytest.raises(TooLarge):
        actions.generate_week_plan(cast["alice"], WEEK)
    # In a team run the job of the manager too big fails with the message; the others are planned.
    make_store(cast["bob"], 40, "重点客户")
    run = start_run(cast["company"], WEEK, [cast["alice"], cast["bob"]], by=cast["sam"])
    failed = run.jobs.get(manager=cast["alice"])
    assert failed.status == PlanningJob.Status.FAILED and failed.attempts == 1 and "10" in failed.error
    assert run.jobs.get(manager=cast["bob"]).status == PlanningJob.Status.DONE
    assert len(solved) == 1  # bob's week only


def test_the_in_process_queue_never_runs_more_jobs_at_once_than_its_workers():
    import threading
    import time

    running, most, done = [0], [0], []
    lock = threading.Lock()

    def job(job_id):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
            done.append(job_id)

    for workers in (1, 2):
        running[0], most[0], done[:] = 0, 0, []
        jobs = tasks.JobQueue(workers, run=job)
        for burst in range(3):  # requests arriving while earlier ones wait
            jobs.put([burst * 4 + k for k in range(4)])
        jobs.join()
        assert sorted(done) == list(range(12)) and most[0] == workers


def test_dispatch_in_the_web_process_goes_through_the_bounded_queue(settings, monkeypatch):
    settings.VISIT_JOBS_IN_THREAD = True
    settings.VISIT_JOB_THREADS = 1
    ran = []
    monkeypatch.setattr(tasks, "_queue", tasks.JobQueue(settings.VISIT_JOB_THREADS, run=ran.append))
    tasks.dispatch([1, 2, 3])
    tasks.job_queue().join()
    assert ran == [1, 2, 3] and tasks.job_queue().workers == 1


def test_run_page_polls_until_the_run_is_finished(cast, stores, queued, login):
    sam = login(cast["sam"])
    run = start_run(cast["company"], WEEK, [cast["alice"]], by=cast["sam"])
    waiting = sam.get(f"/visits/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and 'id="run-status"' in waiting
    plan_week_job.apply(args=(run.jobs.get().pk,))
    finished = sam.get(f"/visits/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'id="run-status"' in finished and "hx-trigger" not in finished
    page = sam.get(f"/visits/runs/{run.pk}/").content.decode()
    assert page.count('id="run-status"') == 1 and "hx-trigger" not in page


def test_run_page_stops_polling_when_a_job_is_lost(cast, stores, queued, login):
    sam = login(cast["sam"])
    run = start_run(cast["company"], WEEK, [cast["alice"]], by=cast["sam"])
    with time_machine.travel(timezone.now() + PlanningJob.STALL_AFTER + timedelta(minutes=1)):
        lost = sam.get(f"/visits/runs/{run.pk}/", headers={"HX-Request": "true"}).content.decode()
        assert run.counts()["lost"] == 1
    assert 'id="run-status"' in lost and "hx-trigger" not in lost


def test_only_the_adapter_imports_the_planner():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "fieldcrm"
    importers = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "planner" or name.startswith("planner.") for name in names):
                importers.add(path.relative_to(root).as_posix())
    assert importers == {"visits/planning.py"}
