"""Visit plan pages and API: what each user sees, what they may do, and 403/404 for everybody else."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from fieldcrm.care.models import ServiceStandard, VisitFrequency
from fieldcrm.visits import actions
from fieldcrm.visits.models import JoinRequest, PlannedVisit, PlanningJob, WeekPlan
from fieldcrm.visits.weeks import next_week_start
from tests.factories import TODAY, WEEK, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _friday_before_the_week(time_machine):
    time_machine.move_to(TODAY, tick=True)  # WEEK is next week whenever the suite runs


@pytest.fixture
def plan(cast):
    alice = cast["alice"]
    # Twice-weekly core stores whatever the default standards say (weekly): the week holds 2 × 2 + 6 visits.
    ServiceStandard.objects.filter(customer_class__company=alice.company, customer_class__name="核心客户").update(
        visit_frequency=VisitFrequency.TWICE_WEEKLY)
    for n, cls in enumerate(["核心客户"] * 2 + ["重点客户"] * 6):
        make_store(alice, n, cls)
    return actions.generate_week_plan(alice, WEEK)


def _url(name, pk):
    return f"/visits/{name}".replace("PK", str(pk))


# --- pages ---------------------------------------------------------------------------------------------


def test_manager_sees_her_plan_with_reasons_totals_and_map(login, cast, plan):
    page = login(cast["alice"]).get(f"/visits/plans/{plan.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    visit = plan.visits.select_related("customer").first()
    assert visit.customer.name in html and visit.reasons[0]["text"] in html
    data = json.loads(html.split('id="plan-map-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["days"]) == 6 and data["depot"] is not None
    assert sum(len(d["visits"]) for d in data["days"]) == plan.visits.count()
    assert all(d["km"] >= 0 and d["minutes"] >= 0 for d in data["days"])
    assert 'id="submit-plan"' in html and 'id="reoptimise"' in html


def test_manager_moves_reoptimises_and_submits_through_the_page(login, cast, plan):
    client = login(cast["alice"])
    visit = plan.visits.first()
    other_day = next(WEEK + timedelta(days=d) for d in range(6) if WEEK + timedelta(days=d) != visit.day)
    response = client.post(f"/visits/{visit.pk}/move", {"day": other_day.isoformat(), "version": plan.version})
    assert response.status_code == 302
    assert PlannedVisit.objects.get(pk=visit.pk).day == other_day
    plan.refresh_from_db()
    assert client.post(f"/visits/plans/{plan.pk}/reoptimise", {"version": plan.version}).status_code == 302
    plan.refresh_from_db()
    client.post(f"/visits/plans/{plan.pk}/submit", {"version": plan.version})
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.SUBMITTED


def test_stale_page_edit_is_refused_with_a_message(login, cast, plan):
    client = login(cast["alice"])
    visit = plan.visits.first()
    response = client.post(f"/visits/{visit.pk}/remove", {"version": plan.version - 1}, follow=True)
    assert PlannedVisit.objects.filter(pk=visit.pk).exists()
    assert "请刷新后重试" in response.content.decode()  # the StalePlan message, in the default language


def test_supervisor_approves_from_the_team_page(login, cast, plan):
    actions.submit_plan(plan, by=cast["alice"])
    sam = login(cast["sam"])
    team = sam.get(f"/visits/?week={WEEK}")
    assert team.status_code == 200 and cast["alice"].full_name in team.content.decode()
    page = sam.get(f"/visits/plans/{plan.pk}/").content.decode()
    assert 'id="decide-form"' in page and 'id="submit-plan"' not in page
    sam.post(f"/visits/plans/{plan.pk}/decide", {"decision": "approve"})
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.APPROVED


def test_return_without_comment_is_refused(login, cast, plan):
    actions.submit_plan(plan, by=cast["alice"])
    login(cast["sam"]).post(f"/visits/plans/{plan.pk}/decide", {"decision": "return", "comment": " "})
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.SUBMITTED


def test_manager_generates_her_week_from_the_list(login, cast):
    make_store(cast["alice"], 1, "重点客户")
    client = login(cast["alice"])
    assert client.get("/visits/").status_code == 200
    next_week = next_week_start(timezone.localdate())
    client.post("/visits/generate", {"week": next_week.isoformat()})
    assert WeekPlan.objects.filter(manager=cast["alice"], week_start=next_week).exists()
    plan = WeekPlan.objects.get(manager=cast["alice"], week_start=next_week)
    status = client.get(f"/visits/job?week={next_week}").content.decode()
    assert f"/visits/plans/{plan.pk}/" in status  # "the plan is ready" with its link


def test_generate_rejects_a_non_monday(login, cast):
    response = login(cast["alice"]).post("/visits/generate", {"week": "2026-12-02"}, follow=True)
    assert not WeekPlan.objects.exists()
    assert response.status_code == 200


def test_supervisor_run_shows_progress(login, cast):
    make_store(cast["alice"], 1, "重点客户")
    make_store(cast["bob"], 2, "重点客户")
    sam = login(cast["sam"])
    next_week = next_week_start(timezone.localdate())
    response = sam.post("/visits/generate", {"week": next_week.isoformat()})
    assert response.status_code == 302
    progress = sam.get(response["Location"])
    assert progress.status_code == 200 and progress.context["counts"]["finished"] == 2
    assert cast["alice"].full_name in progress.content.decode()
    assert WeekPlan.objects.filter(week_start=next_week).count() == 2  # alice and bob, not charlie
    assert login(cast["bob"]).get(response["Location"]).status_code == 404


def test_coordinator_sees_submitted_visits_in_area_and_asks_to_join(login, cast, plan):
    max_ = login(cast["max"])
    assert plan.visits.first().customer.name not in max_.get(f"/visits/?week={WEEK}").content.decode()  # draft
    actions.submit_plan(plan, by=cast["alice"])
    visit = plan.visits.select_related("customer").first()
    page = max_.get(f"/visits/?week={WEEK}").content.decode()
    assert visit.customer.name in page
    max_.post(f"/visits/{visit.pk}/join", {"note": "核查许可证"})
    join = JoinRequest.objects.get(visit=visit)
    assert "核查许可证" in login(cast["alice"]).get(f"/visits/?week={WEEK}").content.decode()
    plan_page = login(cast["alice"]).get(f"/visits/plans/{plan.pk}/").content.decode()
    assert "核查许可证" in plan_page
    login(cast["alice"]).post(f"/visits/joins/{join.pk}/decide", {"decision": "accept"})
    assert JoinRequest.objects.get(pk=join.pk).status == "accepted"


# --- permissions: every view and endpoint refuses other users ------------------------------------------


EDIT_POSTS = [
    ("plans/{plan}/add", {"customer_code": "x", "day": "2026-11-30"}),
    ("plans/{plan}/reoptimise", {}),
    ("plans/{plan}/regenerate", {}),
    ("plans/{plan}/submit", {}),
    ("{visit}/move", {"day": "2026-12-01"}),
    ("{visit}/reorder", {"direction": "up"}),
    ("{visit}/remove", {}),
    ("{visit}/problems", {"problems": "x"}),
]


def _fill(path, plan, visit):
    return "/visits/" + path.format(plan=plan.pk, visit=visit.pk)


@pytest.mark.parametrize("who,status", [("bob", 404), ("charlie", 404), ("dora", 404), ("max", 404),
                                        ("sam", 403), ("ada", 403)])
def test_others_cannot_edit_the_plan(login, cast, plan, who, status):
    visit = plan.visits.first()
    client = login(cast[who])
    for path, data in EDIT_POSTS:
        assert client.post(_fill(path, plan, visit), data).status_code == status, path
    assert client.get(f"/visits/{visit.pk}/edit").status_code == status
    assert PlannedVisit.objects.filter(pk=visit.pk, day=visit.day, sequence=visit.sequence).exists()
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.DRAFT


@pytest.mark.parametrize("who,status", [("bob", 404), ("charlie", 404), ("dora", 404), ("max", 404)])
def test_others_cannot_see_the_plan(login, cast, plan, who, status):
    assert login(cast[who]).get(f"/visits/plans/{plan.pk}/").status_code == status


@pytest.mark.parametrize("who,status", [("alice", 403), ("bob", 404), ("charlie", 404), ("max", 404)])
def test_only_the_supervisor_or_admin_decides(login, cast, plan, who, status):
    actions.submit_plan(plan, by=cast["alice"])
    assert login(cast[who]).post(f"/visits/plans/{plan.pk}/decide", {"decision": "approve"}).status_code == status
    assert WeekPlan.objects.get(pk=plan.pk).status == WeekPlan.Status.SUBMITTED


def test_join_requests_only_for_coordinators_and_decided_only_by_the_owner(login, cast, plan):
    actions.submit_plan(plan, by=cast["alice"])
    visit = plan.visits.first()
    for who in ("bob", "sam", "alice"):
        assert login(cast[who]).post(f"/visits/{visit.pk}/join", {"note": "x"}).status_code == 404
    join = actions.request_join(visit, by=cast["max"], note="核查")
    assert login(cast["bob"]).post(f"/visits/joins/{join.pk}/decide", {"decision": "accept"}).status_code == 404
    assert login(cast["sam"]).post(f"/visits/joins/{join.pk}/decide", {"decision": "accept"}).status_code == 403
    assert login(cast["max"]).post(f"/visits/joins/{join.pk}/decide", {"decision": "accept"}).status_code == 404
    assert JoinRequest.objects.get(pk=join.pk).status == "pending"


def test_coordinators_of_another_area_do_not_see_the_visits(login, cast, plan):
    actions.submit_plan(plan, by=cast["alice"])
    officer = cast["max"]
    officer.area = cast["rural"]
    officer.save()
    visit = plan.visits.select_related("customer").first()
    assert visit.customer.name not in login(officer).get(f"/visits/?week={WEEK}").content.decode()
    assert login(officer).post(f"/visits/{visit.pk}/join", {"note": "x"}).status_code == 404


def test_manager_cannot_start_a_team_run_or_see_someone_elses_job_status(login, cast, plan):
    PlanningJob.objects.create(manager=cast["alice"], week_start=WEEK, status=PlanningJob.Status.FAILED,
                               error=f"no start point for {cast['alice'].username}")
    own = login(cast["alice"]).get(f"/visits/job?week={WEEK}").content.decode()
    assert "no start point for alice" in own  # the job's manager sees its status...
    others = login(cast["bob"]).get(f"/visits/job?week={WEEK}").content.decode()
    assert "alice" not in others and "alert" not in others  # ...another manager sees none of it
    assert login(cast["dora"]).post("/visits/generate", {}).status_code == 403


# --- API -----------------------------------------------------------------------------------------------


def test_api_plan_detail_lists_days_routes_and_reasons(login, cast, plan):
    body = login(cast["alice"]).get(f"/api/v1/visit-plans/{plan.pk}").json()
    assert len(body["days"]) == 6 and body["km"] > 0
    first = next(d for d in body["days"] if d["route"])["route"][0]
    assert first["reasons"][0]["code"] == "standard" and first["arrival"]


def test_api_edit_submit_approve(login, cast, plan):
    alice, sam = login(cast["alice"]), login(cast["sam"])
    visit = plan.visits.first()
    moved = alice.patch(f"/api/v1/visits/{visit.pk}", {"position": 1, "problems": "陈列整改"},
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["problems"] == "陈列整改" and moved.json()["sequence"] == 1
    stale = alice.post(f"/api/v1/visits/{visit.pk}/remove", {"version": 1}, content_type="application/json")
    assert stale.status_code == 409
    assert alice.post(f"/api/v1/visit-plans/{plan.pk}/submit", {}, content_type="application/json").json()[
        "status"] == "submitted"
    refused = sam.post(f"/api/v1/visit-plans/{plan.pk}/return", {"comment": ""}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "comment"
    approved = sam.post(f"/api/v1/visit-plans/{plan.pk}/approve", {}, content_type="application/json")
    assert approved.json()["status"] == "approved"
    no_reason = alice.post(f"/api/v1/visits/{visit.pk}/remove", {}, content_type="application/json")
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    assert alice.post(f"/api/v1/visits/{visit.pk}/remove", {"reason": "停业"},
                      content_type="application/json").status_code == 204


def test_api_validates_input(login, cast, plan):
    alice = login(cast["alice"])
    visit = plan.visits.first()
    assert alice.patch(f"/api/v1/visits/{visit.pk}", {"position": 0}, content_type="application/json"
                       ).status_code == 422
    assert alice.patch(f"/api/v1/visits/{visit.pk}", {"day": "monday"}, content_type="application/json"
                       ).status_code == 422
    assert alice.post("/api/v1/visit-plans/generate", {"week": "2026-12-02"}, content_type="application/json"
                      ).status_code == 400
    added = alice.post(f"/api/v1/visit-plans/{plan.pk}/visits", {"customer_code": "nope", "day": "2026-11-30"},
                       content_type="application/json")
    assert added.status_code == 404


@pytest.mark.parametrize("who,status", [("bob", 404), ("charlie", 404), ("dora", 404), ("sam", 403)])
def test_api_others_cannot_edit(login, cast, plan, who, status):
    client = login(cast[who])
    visit = plan.visits.first()
    calls = [
        client.patch(f"/api/v1/visits/{visit.pk}", {"position": 1}, content_type="application/json"),
        client.post(f"/api/v1/visits/{visit.pk}/remove", {}, content_type="application/json"),
        client.post(f"/api/v1/visit-plans/{plan.pk}/visits", {"customer_code": visit.customer.customer_code,
                                                              "day": "2026-12-05"}, content_type="application/json"),
        client.post(f"/api/v1/visit-plans/{plan.pk}/reoptimise", {}, content_type="application/json"),
        client.post(f"/api/v1/visit-plans/{plan.pk}/submit", {}, content_type="application/json"),
    ]
    assert [c.status_code for c in calls] == [status] * 5


@pytest.mark.parametrize("who,status", [("bob", 404), ("dora", 404), ("max", 404)])
def test_api_others_cannot_read(login, cast, plan, who, status):
    client = login(cast[who])
    assert client.get(f"/api/v1/visit-plans/{plan.pk}").status_code == status
    assert client.get("/api/v1/visit-plans").json() == []


def test_api_decide_only_by_supervisor(login, cast, plan):
    actions.submit_plan(plan, by=cast["alice"])
    assert login(cast["alice"]).post(f"/api/v1/visit-plans/{plan.pk}/approve", {},
                                     content_type="application/json").status_code == 403
    assert login(cast["bob"]).post(f"/api/v1/visit-plans/{plan.pk}/approve", {},
                                   content_type="application/json").status_code == 404


def test_api_generate_and_job_status(login, cast):
    make_store(cast["alice"], 1, "重点客户")
    alice = login(cast["alice"])
    response = alice.post("/api/v1/visit-plans/generate", {}, content_type="application/json")
    assert response.status_code == 202
    job = response.json()["jobs"][0]
    status = alice.get(f"/api/v1/planning-jobs/{job['id']}").json()
    assert status["status"] == "done" and status["plan_id"]
    assert login(cast["bob"]).get(f"/api/v1/planning-jobs/{job['id']}").status_code == 404


def test_api_coordination_and_join(login, cast, plan):
    actions.submit_plan(plan, by=cast["alice"])
    max_ = login(cast["max"])
    visits = max_.get(f"/api/v1/coordination/visits?week={WEEK}").json()
    assert len(visits) == plan.visits.count()
    joined = max_.post(f"/api/v1/visits/{visits[0]['id']}/join", {"note": "联合检查"}, content_type="application/json")
    assert joined.status_code == 201 and joined.json()["status"] == "pending"
    assert login(cast["bob"]).get(f"/api/v1/coordination/visits?week={WEEK}").json() == []
    assert login(cast["bob"]).post(f"/api/v1/visits/{visits[0]['id']}/join", {"note": "x"},
                                   content_type="application/json").status_code == 404


def test_a_lost_job_stops_the_waiting(login, cast, time_machine):
    from fieldcrm.visits.models import PlanningJob

    job = PlanningJob.objects.create(manager=cast["alice"], week_start=WEEK, status=PlanningJob.Status.RUNNING)
    time_machine.move_to(job.created_at + timedelta(minutes=20))
    page = login(cast["alice"]).get(f"/visits/job?week={WEEK}").content.decode()
    assert "every 2s" not in page
    assert login(cast["alice"]).get(f"/visits/?week={WEEK}").context["running"] is False


def test_visit_edit_forms_load_on_demand(login, cast, plan):
    alice = login(cast["alice"])
    visit = plan.visits.select_related("customer").first()
    page = alice.get(f"/visits/plans/{plan.pk}/").content.decode()
    assert f"/visits/{visit.pk}/move" not in page  # forms come when a visit is opened
    fragment = alice.get(f"/visits/{visit.pk}/edit", HTTP_HX_REQUEST="true").content.decode()
    assert f"/visits/{visit.pk}/move" in fragment and "<html" not in fragment
    full = alice.get(f"/visits/{visit.pk}/edit").content.decode()
    assert "<html" in full and visit.customer.name in full
    actions.submit_plan(plan, by=cast["alice"])
    assert alice.get(f"/visits/{visit.pk}/edit").status_code == 403  # waiting for the supervisor


def test_plan_page_query_count_does_not_grow_with_visits(login, cast, plan, django_assert_max_num_queries):
    client = login(cast["alice"])
    with django_assert_max_num_queries(12):
        assert client.get(f"/visits/plans/{plan.pk}/").status_code == 200


def test_plan_exports_to_excel_and_the_export_is_logged(login, cast, plan):
    import io

    from python_calamine import CalamineWorkbook

    from fieldcrm.org.models import PersonalDataExport

    response = login(cast["sam"]).get(f"/visits/plans/{plan.pk}/export.xlsx")
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    codes = {row[3] for row in rows[3:] if row[3]}
    assert codes == set(plan.visits.values_list("customer__customer_code", flat=True))
    assert PersonalDataExport.objects.get(user=cast["sam"]).row_count == plan.visits.count()
    for who in ("bob", "dora", "max"):
        assert login(cast[who]).get(f"/visits/plans/{plan.pk}/export.xlsx").status_code == 404


def test_team_run_leaves_existing_plans_alone(login, cast, plan):
    make_store(cast["bob"], 50, "重点客户")
    edited = plan.visits.first()
    actions.remove_visit(edited, by=cast["alice"])
    sam = login(cast["sam"])
    response = sam.post("/visits/generate", {"week": WEEK.isoformat()})
    run_jobs = WeekPlan.objects.filter(week_start=WEEK)
    assert set(run_jobs.values_list("manager__username", flat=True)) == {"alice", "bob"}
    assert not PlannedVisit.objects.filter(pk=edited.pk).exists()  # alice's draft edits survive
    assert response.status_code == 302
    again = sam.post("/visits/generate", {"week": WEEK.isoformat()}, follow=True)
    assert again.status_code == 200 and "/runs/" not in again.redirect_chain[-1][0]


def test_manager_plans_again_from_the_plan_page(login, cast, plan):
    alice = login(cast["alice"])
    actions.remove_visit(plan.visits.first(), by=cast["alice"])
    assert alice.post(f"/visits/plans/{plan.pk}/regenerate").status_code == 302
    assert WeekPlan.objects.get(pk=plan.pk).visits.count() == 2 * 2 + 6  # the full week again


def test_api_supervisor_generates_for_the_team_and_filters_plans(login, cast):
    make_store(cast["alice"], 1, "重点客户")
    make_store(cast["charlie"], 2, "重点客户")
    sam = login(cast["sam"])
    response = sam.post("/api/v1/visit-plans/generate", {"week": WEEK.isoformat()}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["run_id"] and {job["manager"] for job in body["jobs"]} == {"alice", "bob"}  # not charlie
    assert sam.get(f"/api/v1/planning-jobs/{body['jobs'][0]['id']}").status_code == 200
    listed = sam.get(f"/api/v1/visit-plans?week={WEEK}&status=draft").json()
    assert {plan["manager"] for plan in listed} == {"alice", "bob"}
    assert sam.get("/api/v1/visit-plans?status=approved").json() == []
    assert sam.get("/api/v1/visit-plans?status=nonsense").status_code == 422
    assert login(cast["dora"]).post("/api/v1/visit-plans/generate", {}, content_type="application/json"
                                    ).status_code == 403
