"""A realistic demo county (沛县, Xuzhou, Jiangsu): org, logins, retailers along real streets, SKUs — and a
fortnight of work around the day it is seeded: last week's plans approved and worked, this week's approved and
worked up to yesterday (today's route still to do), next week's drafts, needs at every stage and market
reports, all made through the same actions users go through.

Deterministic per seed (and the day it runs): the same seed gives the same people, stores, codes, coordinates,
visits and reports.
"""

import functools
import heapq
import io
import math
import random
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter, process_time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from fieldcrm.care.actions import plan_services
from fieldcrm.care.content import news_batch
from fieldcrm.care.models import Promotion, ServiceTask
from fieldcrm.catalog.models import Brand, PriceChange, Sku, price_class_for
from fieldcrm.company_setup import setup_company
from fieldcrm.customers.models import (
    BusinessFormat,
    BusinessScale,
    Customer,
    CustomerClass,
    CustomerStatus,
    MarketType,
)
from fieldcrm.followup.actions import raise_demand, record_feedback, resolve_demand
from fieldcrm.followup.models import Demand
from fieldcrm.lib.bulk import insert_rows
from fieldcrm.monopoly.actions import decide_report, refuse_if_decided, submit_report
from fieldcrm.monopoly.models import MarketReport
from fieldcrm.org.models import Department, MarketingArea, Territory, User
from fieldcrm.photos.actions import store_photo
from fieldcrm.sales.analytics import store as analytics_store
from fieldcrm.sales.models import OrderLine, SalesTarget
from fieldcrm.sales.stockouts import refresh_stockout_risks
from fieldcrm.visits import checklist
from fieldcrm.visits.actions import decide_plan, generate_week_plan, move_visit, remove_visit, submit_plan
from fieldcrm.visits.fieldwork import Answer, Observation, VisitRecord, record_visit
from fieldcrm.visits.models import OpinionTopic, PlanChange, PlanningPolicy, Visit, WeekPlan
from fieldcrm.visits.weeks import week_days

DEMO_PASSWORD = "Demo@2026"  # noqa: S105 - the demo's published password, printed at start-up
COMPANY = ("江苏省烟草公司徐州市公司沛县分公司", "320322")
COUNTY_CODE = "320322"
# Town centres of 沛县 (WGS-84) and the streets that carry most of their shops.
URBAN_CENTRE = (34.7216, 116.9372)
TOWN_STREETS = ["中心街", "商业街", "人民路", "新街"]
URBAN_STREETS = ["汉源大道", "汤沐路", "沛公路", "东风路", "建设路", "汉兴路", "千秋路", "香城路", "歌风路", "正阳路"]
TOWNS = [
    ("龙固镇", 34.8836, 116.8260), ("杨屯镇", 34.7962, 116.8655), ("大屯街道", 34.7823, 116.9433),
    ("胡寨镇", 34.6386, 116.8893), ("魏庙镇", 34.6290, 116.9862), ("五段镇", 34.7052, 117.0358),
    ("张庄镇", 34.6500, 117.0570), ("敬安镇", 34.6053, 116.8046), ("河口镇", 34.6742, 116.7755),
    ("栖山镇", 34.6061, 117.0870), ("鹿楼镇", 34.5800, 116.9300), ("朱寨镇", 34.7300, 116.8200),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玉兰志海兵春燕文斌宇浩凯鹏飞云峰亮成林"
STORE_WORDS = ["惠民", "万家", "金鑫", "永发", "兴旺", "百顺", "福源", "聚福", "鑫源", "好又多", "便民", "诚信",
               "利民", "宏达", "红星", "富华", "佳佳", "家乐", "旺财", "乐购", "顺发", "天天", "汇丰", "吉祥"]
FORMAT_MIX = [
    (BusinessFormat.GROCERY, "食杂店", 55), (BusinessFormat.CONVENIENCE, "便利店", 15),
    (BusinessFormat.SUPERMARKET, "超市", 10), (BusinessFormat.TOBACCO_LIQUOR, "烟酒店", 12),
    (BusinessFormat.ENTERTAINMENT, "棋牌室", 4), (BusinessFormat.MALL, "商厦", 1), (BusinessFormat.OTHER, "商行", 3),
]
TIER_BOOST = {BusinessFormat.TOBACCO_LIQUOR: 5, BusinessFormat.SUPERMARKET: 4, BusinessFormat.MALL: 6,
              BusinessFormat.CONVENIENCE: 2}
DEPARTMENT_LOGINS = {
    Department.Kind.MARKETING: "marketing1", Department.Kind.LOGISTICS: "logistics1",
    Department.Kind.SUPPLY: "supply1", Department.Kind.SERVICE: "service1", Department.Kind.MONOPOLY: "monopoly1",
}
# (brand, name, allocation price, wholesale, suggested retail) per 条 — public price points, indicative. The
# last SKU is new this week (the news a manager tells); 细支 (slim) SKUs are the growing part of the market.
SKUS = [
    ("中华", "中华(硬)", "340.00", "381.60", "450"), ("中华", "中华(软)", "550.00", "614.80", "700"),
    ("玉溪", "玉溪(软)", "180.00", "201.40", "230"), ("玉溪", "玉溪(硬)", "150.00", "169.60", "190"),
    ("芙蓉王", "芙蓉王(硬)", "195.00", "218.36", "250"), ("黄鹤楼", "黄鹤楼(软蓝)", "146.70", "164.30", "190"),
    ("利群", "利群(硬新版)", "127.80", "143.10", "160"), ("云烟", "云烟(硬紫)", "102.20", "114.50", "130"),
    ("云烟", "云烟(软珍品)", "196.00", "219.40", "250"), ("红塔山", "红塔山(硬经典)", "67.00", "75.00", "85"),
    ("红金龙", "红金龙(硬新版)", "39.70", "44.50", "50"), ("南京", "南京(细支炫赫门)", "98.20", "110.00", "130"),
    ("南京", "南京(红)", "61.90", "69.30", "80"), ("南京", "南京(十二钗烤烟)", "160.70", "180.00", "200"),
    ("苏烟", "苏烟(软金砂)", "340.00", "380.80", "450"), ("苏烟", "苏烟(五星红杉树)", "111.60", "125.00", "150"),
    ("白沙", "白沙(硬精品二代)", "85.70", "96.00", "110"), ("真龙", "真龙(凌云)", "178.60", "200.00", "230"),
    ("七匹狼", "七匹狼(白)", "89.30", "100.00", "120"), ("红双喜", "红双喜(硬上海)", "44.60", "50.00", "60"),
    ("黄山", "黄山(红方印)", "89.30", "100.00", "120"), ("泰山", "泰山(红将军)", "67.00", "75.00", "85"),
    ("钻石", "钻石(荷花)", "232.10", "260.00", "300"), ("黄金叶", "黄金叶(天叶)", "892.90", "1000.00", "1100"),
    ("哈德门", "哈德门(精品)", "26.80", "30.00", "35"), ("红梅", "红梅(软黄)", "13.40", "15.00", "18"),
    ("红河", "红河(硬甲)", "53.60", "60.00", "70"), ("中华", "中华(细支)", "401.80", "450.00", "500"),
    ("利群", "利群(细支)", "178.60", "200.00", "230"), ("黄鹤楼", "黄鹤楼(硬峡谷情细支)", "196.40", "220.00", "250"),
]
# Who makes each brand (the industrial companies of the 中国烟草 system).
MANUFACTURERS = {
    "中华": "上海烟草集团", "红双喜": "上海烟草集团", "云烟": "红云红河烟草(集团)", "红河": "红云红河烟草(集团)",
    "玉溪": "红塔烟草(集团)", "红塔山": "红塔烟草(集团)", "红梅": "红塔烟草(集团)", "芙蓉王": "湖南中烟",
    "白沙": "湖南中烟", "黄鹤楼": "湖北中烟", "红金龙": "湖北中烟", "利群": "浙江中烟", "南京": "江苏中烟",
    "苏烟": "江苏中烟", "真龙": "广西中烟", "七匹狼": "福建中烟", "黄山": "安徽中烟", "泰山": "山东中烟",
    "哈德门": "山东中烟", "钻石": "河北中烟", "黄金叶": "河南中烟",
}
# A SKU launched within the demo's two years of orders (days before today): ordered only from then on.
LAUNCHED_DAYS_AGO = {"利群(细支)": 400}
# A price rise in the middle of the two years (days before today): the SKU's allocation, wholesale and retail
# prices before it; after it, the catalogue's prices above. Recorded in the SKU's history and as a PriceChange.
PAST_PRICE_CHANGE = ("云烟(硬紫)", 364, ("95.50", "107.00", "120"))
# The catalogue as the company has known it since this many days before today (the SKUs' first history).
CATALOGUE_DAYS_AGO = 3 * 365

# Demo needs by kind: (what the retailer asked for, how it was resolved).
DEMAND_SAMPLES = {
    Demand.Kind.SUPPLY: ("中华(硬)连续两周断货，希望增加投放量", "已向货源部门反映，下个订货周期增加2条投放"),
    Demand.Kind.DELIVERY: ("上周配送晚到一天，希望固定上午送货", "已与物流中心协调，线路调整为上午送达"),
    Demand.Kind.MARKETING: ("想参加苏烟陈列推广活动，需要陈列物料", "陈列物料已送达并指导摆放"),
    Demand.Kind.LICENCE: ("许可证下月到期，咨询延续办理流程", "已告知延续材料清单和办理时间"),
    Demand.Kind.EQUIPMENT: ("店内烟柜灯箱损坏，申请维修", "已报修，灯箱更换完毕"),
    Demand.Kind.OTHER: ("希望每月收到经营分析", "已开通月度经营分析推送"),
}


def ean13(prefix12: str) -> str:
    digits = [int(d) for d in prefix12]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return prefix12 + str(check)


def person_name(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile(rng) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


class DemoBuilder:
    def __init__(self, seed: int, managers: int, customers: int, stdout=None, plan_seconds: float = 3,
                 worked_plan_seconds: float | None = None):
        self.seed = seed
        self.plan_seconds = plan_seconds
        # Last and this week's plans are only the frame of the recorded visits: a short planner run routes them
        # as well as a longer one for the demo's few hundred stores (measured: 0.25 s ≈ 1 s in distance). With an
        # iteration cap (VISIT_PLAN_MAX_ITERATIONS: the same plan every run) the cap decides, not a busy clock.
        short = plan_seconds if settings.VISIT_PLAN_MAX_ITERATIONS else min(0.3, plan_seconds)
        self.worked_plan_seconds = worked_plan_seconds or short
        self.rng = random.Random(seed)
        self.manager_count = max(1, managers)
        self.customer_count = max(0, customers)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.first_stops: dict[int, Customer] = {}  # manager pk → the store first on today's route
        self.working_today = False
        self.password_hash: str | None = None
        self.order_lines = 0
        self.timings: list[tuple[str, float, float]] = []

    @transaction.atomic
    def build(self):
        self.company = setup_company(*COMPANY)
        with self.phase("people"):
            self.build_people()
        with self.phase("SKUs"):
            self.build_skus()
        if self.customer_count:
            with self.phase("customers"):
                customers = self.build_customers()
            with self.phase("orders"):
                self.build_orders(customers)
            monday = self.today - timedelta(days=self.today.weekday())
            Promotion.objects.get_or_create(
                company=self.company, name="苏烟品牌陈列推广月",
                defaults={"starts_on": monday + timedelta(days=10), "ends_on": monday + timedelta(days=40),
                          "tier_min": 15, "lead_days": 3,
                          "business_formats": [BusinessFormat.TOBACCO_LIQUOR, BusinessFormat.SUPERMARKET]},
            )
            with self.phase("service plans"):
                plan_services(self.company, monday - timedelta(days=7), monday + timedelta(days=28))
            # The catalogue stays as it is while the fortnight's visits are recorded: its news is read once a day.
            with self.phase("worked weeks"), news_batch():
                self.build_worked_weeks(monday)
            with self.phase("needs"):
                self.build_demands()
            with self.phase("next week's plans"):
                self.build_visit_plans(monday + timedelta(days=7))
            with self.phase("market reports"):
                self.build_market_reports()
        return self

    def analyse(self):
        """After the seed has committed: the analytics copy of its two years (so the dashboards and the scorecard
        have figures on the first page) and today's out-of-stock risks (the checklist's 断货预警), as the
        nightly jobs would."""
        if not self.customer_count:
            return self
        with self.phase("analytics copy"):
            analytics_store.refresh(full=True)
        with self.phase("out-of-stock risks"):
            refresh_stockout_risks(self.company)
        return self

    @contextmanager
    def phase(self, name: str):
        """Time a part of the seed (wall and this process's CPU seconds), for `seed_demo -v 2`."""
        wall, cpu = perf_counter(), process_time()
        yield
        self.timings.append((name, perf_counter() - wall, process_time() - cpu))

    # --- needs -------------------------------------------------------------------------------------------

    def build_demands(self):
        """A few needs per manager: open ones heard in the last day (due in the next one to three days by
        their class's standard, so next week's plan brings those stores in): one at the store first on today's
        route, resolved by its department this morning, so the manager tells the retailer at today's visit (the
        checklist item `demand:<id>`); one about supply, waiting in the supply department's inbox; one more.
        Then one overdue and two closed."""
        for manager in self.managers:
            stores = list(Customer.objects.filter(manager=manager, status=CustomerStatus.ACTIVE)
                          .select_related("customer_class__service_standard").order_by("customer_code"))
            first_stop = self.first_stops.get(manager.pk)
            others = [store for store in stores if first_stop is None or store.pk != first_stop.pk]
            if len(others) < 6:
                continue
            picked = self.rng.sample(others, 6)
            if first_stop is not None:
                picked[0] = first_stop
            answered = self.demand(picked[0], manager, hours_ago=self.rng.randint(20, 30))
            staff = User.objects.filter(department=answered.department_id, is_active=True).order_by("pk").first()
            if staff is not None:  # answered by its department: the manager tells the retailer at the next visit
                resolve_demand(answered, by=staff, resolution=DEMAND_SAMPLES[answered.kind][1],
                               resolved_at=self.now - timedelta(minutes=self.rng.randint(60, 180)))
            self.demand(picked[1], manager, hours_ago=self.rng.randint(1, 20), kind=Demand.Kind.SUPPLY)
            self.demand(picked[2], manager, hours_ago=self.rng.randint(1, 20))
            self.demand(picked[3], manager, hours_ago=24 * 5)  # overdue: nobody answered it
            for store in picked[4:]:
                demand = self.demand(store, manager, hours_ago=24 * self.rng.randint(6, 20))
                resolved_at = demand.raised_at + timedelta(hours=self.rng.randint(2, demand.response_hours))
                resolve_demand(demand, by=manager, resolution=DEMAND_SAMPLES[demand.kind][1], resolved_at=resolved_at)
                record_feedback(demand, by=manager, channel=Demand.Channel.PHONE, satisfied=True,
                                given_at=resolved_at)

    def demand(self, store, manager, hours_ago, kind=None):
        kind = kind or self.rng.choice(list(DEMAND_SAMPLES))
        return raise_demand(store, kind=kind, description=DEMAND_SAMPLES[kind][0], by=manager,
                            raised_at=self.now - timedelta(hours=hours_ago))

    # --- visit plans and the visits made -------------------------------------------------------------------

    def build_visit_plans(self, week_start):
        """Next week's plan for every manager, so the demo opens on a routed week: drafts, but one submitted — the
        last manager of supervisor1's area has handed theirs in, so the supervisor can review and approve it at
        once (manager1 keeps a draft to work on when there are others)."""
        submitter = [manager for manager in self.managers if manager.area_id == self.areas[0].pk][-1]
        for manager in self.managers:
            existing = WeekPlan.objects.filter(manager=manager, week_start=week_start).first()
            if existing is not None and existing.status != WeekPlan.Status.DRAFT:
                continue  # seeded before and handed in since: kept as it is
            plan = generate_week_plan(manager, week_start, time_limit=self.plan_seconds)
            if manager == submitter and plan.visits.exists():
                submit_plan(plan, by=manager)

    def build_worked_weeks(self, monday):
        """Last week's plan approved and worked; this week's approved and worked up to yesterday, today's route
        still to do (on a working day: the company's planning policy says which)."""
        policy = PlanningPolicy.for_company(self.company)
        self.working_today = self.today in week_days(monday, policy)
        for manager in self.managers:
            supervisor = (User.objects.filter(role=User.Role.SUPERVISOR, area=manager.area_id).order_by("pk").first()
                          or User.objects.get(username="admin"))
            work = WeekWork(self, manager, supervisor, policy)
            work.week(monday - timedelta(days=7), until=monday)
            plan = work.week(monday, until=self.today)
            first = plan.visits.filter(day=self.today).order_by("sequence").select_related("customer").first()
            if first is not None:
                self.first_stops[manager.pk] = first.customer

    def build_market_reports(self):
        """Each manager has reported to the monopoly office: a price violation seen at a visit, confirmed by
        monopoly1 (the manager was notified); a suspected counterfeit at the latest visit, with a photo, still
        waiting for the officer; and an unlicensed seller at a place that is no customer (address only)."""
        officer = User.objects.filter(company=self.company, role=User.Role.MONOPOLY).order_by("pk").first()
        for manager, (_territory, place) in zip(self.managers, self.territories, strict=True):
            if MarketReport.objects.filter(reporter=manager).exists():
                continue  # seeded before: a report is evidence, never made up twice
            visits = list(Visit.objects.filter(manager=manager, on_site=True).select_related("customer")
                          .order_by("checked_in_at"))
            if len(visits) < 2:
                continue
            seen, latest = visits[len(visits) // 3], visits[-1]
            confirmed = self.report(manager, MarketReport.Kind.PRICE, REPORT_SAMPLES["price"], seen)
            if officer is not None:
                decide_report(confirmed, by=officer, status=MarketReport.Status.CONFIRMED, outcome=REPORT_OUTCOME)
            counterfeit = self.report(manager, MarketReport.Kind.COUNTERFEIT, REPORT_SAMPLES["counterfeit"], latest)
            taken_at = counterfeit.observed_at
            store_photo(counterfeit, upload=SimpleUploadedFile("shelf.jpg", shelf_photo(self.rng), "image/jpeg"),
                        client_uuid=self.uuid(), taken_at=taken_at, by=manager, latitude=counterfeit.latitude,
                        longitude=counterfeit.longitude, still_open=refuse_if_decided)
            street = self.rng.choice(URBAN_STREETS) if place[0] == "城区" else place[0] + self.rng.choice(TOWN_STREETS)
            lat, lon = self.position(place, street, self.rng)
            observed = timezone.make_aware(datetime.combine(self.today - timedelta(days=2), time(19, 40)))
            submit_report(by=manager, client_uuid=self.uuid(), kind=MarketReport.Kind.UNLICENSED,
                          description=REPORT_SAMPLES["unlicensed"], observed_at=observed, latitude=round(lat, 6),
                          longitude=round(lon, 6), accuracy_m=20, address=f"沛县{street}夜市流动摊位")

    def report(self, manager, kind, description, visit) -> MarketReport:
        report, _created = submit_report(
            by=manager, client_uuid=self.uuid(), kind=kind, description=description,
            observed_at=visit.checked_in_at + timedelta(minutes=5), latitude=visit.latitude,
            longitude=visit.longitude, accuracy_m=visit.accuracy_m, customer=visit.customer)
        return report

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def summary(self) -> list[str]:
        """What the demo holds, for the seed's output."""
        monday = self.today - timedelta(days=self.today.weekday())
        lines = []
        for week_start in (monday - timedelta(days=7), monday):
            visits = Visit.objects.filter(manager__in=self.managers, checked_in_at__date__gte=week_start,
                                          checked_in_at__date__lt=min(week_start + timedelta(days=7), self.today))
            lines.append(_("Week of %(week)s: %(plans)s approved plans, %(visits)s visits recorded (%(off)s off-site, "
                           "%(ad_hoc)s unplanned).") % {
                "week": week_start, "visits": visits.count(), "off": visits.filter(on_site=False).count(),
                "ad_hoc": visits.filter(ad_hoc=True).count(),
                "plans": WeekPlan.objects.filter(manager__in=self.managers, week_start=week_start,
                                                 status=WeekPlan.Status.APPROVED).count()})
        lines.append(self.today_line())
        demands = Demand.objects.filter(customer__manager__in=self.managers)
        reports = MarketReport.objects.filter(reporter__in=self.managers)
        lines.append(_("Needs: %(open)s open (%(resolved)s resolved, awaiting the feedback to the retailer), "
                       "%(closed)s closed. Market reports: %(pending)s waiting for the monopoly office, %(decided)s "
                       "decided.") % {
            "open": demands.open().count(), "resolved": demands.awaiting_feedback().count(),
            "closed": demands.closed().count(), "pending": reports.filter(status=MarketReport.Status.SUBMITTED).count(),
            "decided": reports.exclude(status=MarketReport.Status.SUBMITTED).count()})
        return lines

    def today_line(self) -> str:
        day = f"{self.today:%Y-%m-%d} {WEEKDAYS[self.today.weekday()]}"
        if not self.working_today:
            days = PlanningPolicy.for_company(self.company).working_days
            return _("Today (%(day)s) is not a working day: the company works %(days)s days a week from Monday "
                     "(its planning policy), so /field/ shows no route today.") % {"day": day, "days": days}
        manager = self.managers[0]
        stops = manager.week_plans.filter(week_start=self.today - timedelta(days=self.today.weekday()))
        count = sum(plan.visits.filter(day=self.today).count() for plan in stops)
        return _("Today (%(day)s): %(stops)s stops on %(manager)s's route at /field/.") % {
            "day": day, "stops": count, "manager": manager.username}

    def _user(self, username, role, **fields):
        user, created = User.objects.get_or_create(username=username, defaults={"role": role, **fields})
        if created:
            # One hash for every login: the password is published anyway, and hashing it per user took
            # half a second each.
            if self.password_hash is None:
                self.password_hash = make_password(DEMO_PASSWORD)
            user.password = self.password_hash
            user.save(update_fields=["password"])
        return user

    def build_people(self):
        company = self.company
        self._user("admin", User.Role.ADMIN, company=company, full_name="系统管理员", is_staff=True, is_superuser=True)
        area_names = ["城区营销部", "农村营销部"] if self.manager_count > 1 else ["城区营销部"]
        self.areas = [MarketingArea.objects.get_or_create(company=company, name=name)[0] for name in area_names]
        for i, area in enumerate(self.areas, start=1):
            self._user(f"supervisor{i}", User.Role.SUPERVISOR, company=company, area=area,
                       full_name=person_name(self.rng) + "（主任）", employee_no=f"S{i:03d}")
        for kind, login in DEPARTMENT_LOGINS.items():
            department = Department.objects.get(company=company, kind=kind)
            role = User.Role.MONOPOLY if kind == Department.Kind.MONOPOLY else User.Role.DEPARTMENT
            self._user(login, role, company=company, department=department, full_name=person_name(self.rng))
        self.managers = []
        self.territories = []
        places = [("城区", *URBAN_CENTRE)] + TOWNS
        for i in range(1, self.manager_count + 1):
            area = self.areas[0] if i <= math.ceil(self.manager_count / len(self.areas)) else self.areas[-1]
            manager = self._user(f"manager{i}", User.Role.MANAGER, company=company, area=area,
                                 full_name=person_name(self.rng), employee_no=f"E{i:04d}", mobile=mobile(self.rng))
            place = places[(i - 1) % len(places)]
            if manager.start_latitude is None:  # the manager sets out from their territory's service station
                manager.start_address, manager.start_latitude, manager.start_longitude = f"{place[0]}服务站", *place[1:]
                manager.save(update_fields=["start_address", "start_latitude", "start_longitude"])
            territory, _created = Territory.objects.get_or_create(area=area, name=f"{place[0]}{i}号片区")
            self.managers.append(manager)
            self.territories.append((territory, place))

    def build_skus(self):
        """The catalogue with its manufacturers, on sale for years but for one launched within the two years of
        orders and the last SKU, new this week; one price rise a year ago (in the SKU's history, so an order
        line's cost is the cost on its day); and two price changes coming: the news information support tells."""
        monday = self.today - timedelta(days=self.today.weekday())
        for index, (brand_name, name, cost_text, wholesale, retail) in enumerate(SKUS, start=1):
            brand, _created = Brand.objects.get_or_create(name=brand_name)
            cost = Decimal(cost_text)
            launched = (monday if index == len(SKUS) else
                        self.today - timedelta(days=LAUNCHED_DAYS_AGO[name]) if name in LAUNCHED_DAYS_AGO else None)
            sku, created = Sku.objects.get_or_create(
                code=f"69010{index:05d}",
                defaults={
                    "name": name, "brand": brand, "barcode": ean13(f"690{index:09d}"),
                    "purchase_cost": cost, "wholesale_price": Decimal(wholesale), "retail_price": Decimal(retail),
                    "price_class": price_class_for(cost), "manufacturer": MANUFACTURERS[brand_name],
                    "launched_on": launched,
                },
            )
            if created:
                self.date_catalogue_entry(sku)
        for code, effective_on, wholesale, retail in [("6901000001", monday + timedelta(days=10), "390.00", "460"),
                                                      ("6901000015", monday + timedelta(days=17), "386.00", "460")]:
            sku = Sku.objects.get(code=code)
            PriceChange.objects.get_or_create(sku=sku, effective_on=effective_on, defaults={
                "old_wholesale_price": sku.wholesale_price, "new_wholesale_price": Decimal(wholesale),
                "old_retail_price": sku.retail_price, "new_retail_price": Decimal(retail)})

    def date_catalogue_entry(self, sku):
        """The SKU's history starts when it came into the catalogue (its launch, or years ago), and the past price
        rise is replayed: the old prices first, the new ones from the day they took effect."""
        first = sku.launched_on or self.today - timedelta(days=CATALOGUE_DAYS_AGO)
        name, days_ago, (old_cost, old_wholesale, old_retail) = PAST_PRICE_CHANGE
        if sku.name == name:
            effective_on = self.today - timedelta(days=days_ago)
            new = (sku.purchase_cost, sku.wholesale_price, sku.retail_price)
            Sku.objects.filter(pk=sku.pk).update(purchase_cost=Decimal(old_cost),
                                                 wholesale_price=Decimal(old_wholesale),
                                                 retail_price=Decimal(old_retail))
            Sku.history.filter(id=sku.pk).update(purchase_cost=Decimal(old_cost),
                                                 wholesale_price=Decimal(old_wholesale),
                                                 retail_price=Decimal(old_retail), history_date=self.midnight(first))
            sku.refresh_from_db()
            PriceChange.objects.create(sku=sku, effective_on=effective_on, old_wholesale_price=sku.wholesale_price,
                                       new_wholesale_price=new[1], old_retail_price=sku.retail_price,
                                       new_retail_price=new[2],
                                       recorded_at=self.midnight(effective_on - timedelta(days=14)))
            sku.purchase_cost, sku.wholesale_price, sku.retail_price = new
            sku.price_class = price_class_for(sku.purchase_cost)
            sku._change_reason = "price notice"
            sku.save()
            latest = Sku.history.filter(id=sku.pk).order_by("-history_id").first()
            Sku.history.filter(history_id=latest.history_id).update(history_date=self.midnight(effective_on))
        else:
            Sku.history.filter(id=sku.pk).update(history_date=self.midnight(first))

    @staticmethod
    def midnight(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time()))

    def build_customers(self):
        classes = {c.name: c for c in CustomerClass.objects.filter(company=self.company)}
        start = Customer.objects.count() + 1
        customers = [self.customer(start + n, classes) for n in range(self.customer_count)]
        Customer.objects.bulk_create(customers, batch_size=2000)
        Customer.history.bulk_history_create(customers, default_change_reason="seed", default_date=self.now)
        return list(Customer.objects.filter(customer_code__in=[c.customer_code for c in customers])
                    .order_by("customer_code"))

    def build_orders(self, customers):
        """Two years of orders for the new stores, written in bulk, and the managers' targets for this year."""
        self.orders = OrderHistory(self)
        self.order_lines = self.orders.write(customers)
        SalesTarget.objects.bulk_create(self.orders.targets(self.managers))

    def customer(self, serial: int, classes) -> Customer:
        rng = self.rng
        slot = (serial - 1) % len(self.managers)
        manager, (territory, place) = self.managers[slot], self.territories[slot]
        urban = place[0] == "城区"
        fmt, suffix, _weight = rng.choices(FORMAT_MIX, weights=[w for *_, w in FORMAT_MIX])[0]
        street = rng.choice(URBAN_STREETS) if urban else place[0] + rng.choice(TOWN_STREETS)
        lat, lon = self.position(place, street, rng)
        tier = max(1, min(30, round(rng.gauss(12 + TIER_BOOST.get(fmt, 0), 4))))
        owner = person_name(rng)
        store = f"{owner[0]}记{suffix}" if rng.random() < 0.3 else f"{rng.choice(STORE_WORDS)}{suffix}"
        opens = rng.choice([6, 7, 7, 8, 8, 9])
        closes = rng.choice([20, 21, 22, 22, 23])
        # A few retailers are new this week, so the service plan shows their onboarding series.
        created = self.now - timedelta(days=rng.randint(0, 6) if rng.random() < 0.02 else rng.randint(30, 3000))
        customer = Customer(
            company=self.company,
            customer_code=f"{COUNTY_CODE}{serial:06d}",
            name=store,
            license_no=f"{COUNTY_CODE}{serial * 7919 % 10**8:08d}",
            owner_name=owner,
            phone=mobile(rng),
            address=f"沛县{street}{rng.randint(1, 399)}号",
            latitude=round(lat, 6),
            longitude=round(lon, 6),
            business_format=fmt,
            market_type=MarketType.URBAN if urban else MarketType.RURAL,
            business_scale=self.scale(tier),
            tier=tier,
            customer_class=classes[self.class_name(tier)],
            order_day=self.order_day_of(place[0], street),
            opens_at=time(opens, rng.choice([0, 30])),
            closes_at=time(closes, 0),
            manager=manager,
            territory=territory,
            owner_birthday=date(rng.randint(1955, 2000), rng.randint(1, 12), rng.randint(1, 28)),
            license_expiry=self.today + timedelta(days=rng.randint(-20, 5 * 365)),
            status=rng.choices(
                [CustomerStatus.ACTIVE, CustomerStatus.SUSPENDED, CustomerStatus.CLOSED], weights=[96, 2, 2]
            )[0],
            created_at=created,
            updated_at=created,
        )
        for field in ("phone", "address", "owner_name", "business_scale"):
            if rng.random() < 0.85:
                setattr(customer, f"{field}_verified_at", self.now - timedelta(days=rng.randint(1, 330)))
                setattr(customer, f"{field}_verified_by", manager)
        customer.search_text = customer.build_search_text()
        return customer

    def order_day_of(self, place_name: str, street: str) -> int:
        """Deliveries go out by route, so the shops of one street order on the same weekday; a town's streets
        spread over Tuesday to Saturday (a street ordering on Monday could only be visited that day: visits go
        on or up to two days before the order day, and too many stores would wait for one day)."""
        streets = URBAN_STREETS if place_name == "城区" else [place_name + name for name in TOWN_STREETS]
        days = list(range(2, 7))
        random.Random(f"{self.seed}:order-days:{place_name}").shuffle(days)
        return days[streets.index(street) % len(days)]

    @staticmethod
    def position(place, street, rng):
        """Shops line up along a street through the town centre, with a few metres of jitter."""
        street_seed = sum(ord(ch) for ch in street)
        angle = (street_seed % 180) * math.pi / 180
        offset = ((street_seed % 7) - 3) * 0.004
        along = rng.uniform(-0.018, 0.018)
        lat = place[1] + offset * math.cos(angle) + along * math.sin(angle) + rng.gauss(0, 0.0002)
        lon = place[2] - offset * math.sin(angle) + along * math.cos(angle) + rng.gauss(0, 0.0002)
        return lat, lon

    @staticmethod
    def scale(tier):
        if tier >= 20:
            return BusinessScale.LARGE
        return BusinessScale.MEDIUM if tier >= 11 else BusinessScale.SMALL

    @staticmethod
    def class_name(tier):
        if tier >= 22:
            return "核心客户"
        if tier >= 15:
            return "重点客户"
        return "普通客户" if tier >= 8 else "培育客户"


# --- a week's work: the plan approved, the visits made --------------------------------------------------------

MISSED_SHARE = 0.06  # planned visits nobody made (the plan shows them missed)
OFF_SITE_SHARE = 0.08  # checked in a few hundred metres away (a phone's position, or a visit by phone call)
TODAY_STOPS = 8  # stops spread onto today when the planner left this working day empty
OPINIONS = [
    (OpinionTopic.SUPPLY, "中华(硬)货源偏紧，希望多投放几条"), (OpinionTopic.PRICE, "周边几家店价格不统一，影响生意"),
    (OpinionTopic.ORDERING, "希望订货时间延长到晚上八点"), (OpinionTopic.DELIVERY, "希望送货固定在上午十点前"),
    (OpinionTopic.PRODUCT, "细支烟问的人越来越多"), (OpinionTopic.SERVICE, "客户经理来得勤，有事能及时反映"),
]
VISIT_NOTES = ["店主不在，与店员沟通", "陈列已按要求调整", "店内正在装修，下周再看陈列", "店主询问电子结算开通"]
CHECK_NOTES = ["已告知店主", "店主已了解", "已核对", ""]
REPORT_SAMPLES = {
    "price": "店内中华(硬)标价 520 元/条，高于零售指导价，店主称进货渠道不同",
    "counterfeit": "柜台内有一批南京(细支炫赫门)包装印刷模糊、无防伪标识，疑似假烟，店主说是他人代卖",
    "unlicensed": "夜市流动摊位无证售烟，摆放约二十条，晚上七点后出摊",
}
REPORT_OUTCOME = "已现场核查，价格违规属实，已责令整改并记录在案"


class WeekWork:
    """One manager's week as it went: the plan generated, submitted and approved on time (the supervisor
    approves it), then each planned visit before `until` recorded through `fieldwork.record_visit` with what the
    phone sends — the checklist answered, the store's usual SKUs observed, sometimes an opinion — a few missed,
    a few off-site, one or two unplanned. The actions stamp "now"; the demo replays past days, so it then dates
    what they stamped (the plan's submission and approval, services done and fields verified at a visit) to
    when it happened."""

    def __init__(self, builder: DemoBuilder, manager, supervisor, policy):
        self.builder, self.rng = builder, builder.rng
        self.manager, self.supervisor, self.policy = manager, supervisor, policy
        self.skus_by_pk = {sku.pk: sku for sku in Sku.objects.all()}

    def week(self, week_start: date, until: date) -> WeekPlan:
        existing = WeekPlan.objects.filter(manager=self.manager, week_start=week_start).first()
        if existing is not None and existing.status != WeekPlan.Status.DRAFT:
            return existing  # seeded before: the week has been worked
        plan = generate_week_plan(self.manager, week_start, time_limit=self.builder.worked_plan_seconds)
        self.drop_unopened(plan)
        self.route_today(plan)
        submit_plan(plan, by=self.manager)
        plan = decide_plan(plan, by=self.supervisor, approve=True)
        self.date_plan(plan)
        for planned in plan.visits.filter(day__lt=until).select_related("customer").order_by("day", "sequence"):
            if self.rng.random() >= MISSED_SHARE:
                self.record(planned.customer, planned.day, planned.arrival, planned)
        self.unplanned_visits(plan, until)
        return plan

    def drop_unopened(self, plan):
        """A store that opened after its planned day was not there to visit: the manager took it out."""
        for planned in plan.visits.select_related("customer"):
            if timezone.localdate(planned.customer.created_at) > planned.day:
                remove_visit(planned, by=self.manager)

    def route_today(self, plan):
        """The planner fits a short week into fewer days (no Saturday, say); when today is a working day it
        left empty, the manager moves the last stops of the busiest day onto today."""
        today = self.builder.today
        if today not in week_days(plan, self.policy) or plan.visits.filter(day=today).exists():
            return
        per_day = Counter(plan.visits.values_list("day", flat=True))
        if not per_day:
            return
        busiest = max(sorted(per_day), key=per_day.__getitem__)
        for planned in plan.visits.filter(day=busiest).select_related("customer").order_by("-sequence")[:TODAY_STOPS]:
            if planned.customer.rest_day != today.isoweekday():
                move_visit(planned, today, by=self.manager, confirm=True)

    def date_plan(self, plan):
        """Generated and submitted before the deadline (the Friday before the week, by default), approved the
        next morning."""
        deadline = self.policy.deadline_for(plan.week_start)
        latest = min(timezone.make_aware(datetime.combine(plan.week_start, time())), self.builder.now)
        latest -= timedelta(minutes=1)
        generated = min(deadline - timedelta(hours=3), latest)
        submitted = min(deadline - timedelta(hours=1), latest)
        decided = min(deadline + timedelta(hours=15), latest)
        WeekPlan.objects.filter(pk=plan.pk).update(generated_at=generated, submitted_at=submitted,
                                                   submitted_late=submitted > deadline, decided_at=decided)
        changes = PlanChange.objects.filter(plan=plan)
        changes.exclude(kind__in=[PlanChange.Kind.SUBMIT, PlanChange.Kind.APPROVE]).update(at=generated)
        changes.filter(kind=PlanChange.Kind.SUBMIT).update(at=submitted)
        changes.filter(kind=PlanChange.Kind.APPROVE).update(at=decided)

    def unplanned_visits(self, plan, until: date):
        """One or two visits nobody planned (a retailer called; a store passed on the way), late afternoon."""
        days = [day for day in week_days(plan, self.policy) if day < until]
        if not days:
            return
        planned = set(plan.visits.values_list("customer_id", "day"))
        stores = list(Customer.objects.filter(manager=self.manager, status=CustomerStatus.ACTIVE).order_by("pk"))
        for _n in range(self.rng.randint(1, 2)):
            day = self.rng.choice(days)
            choices = [s for s in stores if (s.pk, day) not in planned and timezone.localdate(s.created_at) <= day]
            if choices:
                store = self.rng.choice(choices)
                planned.add((store.pk, day))
                self.record(store, day, time(17, self.rng.randint(0, 40)), None)

    def record(self, customer, day: date, arrival, planned) -> Visit:
        rng = self.rng
        checked_in = (timezone.make_aware(datetime.combine(day, arrival or time(9)))
                      + timedelta(minutes=rng.randint(-10, 20)))
        latitude, longitude = self.checkin_position(customer, off_site=rng.random() < OFF_SITE_SHARE)
        observations, monthly_sales = self.observations(customer, day)
        items = checklist.items_for(customer, day, self.manager, planned)
        answers = [Answer(item.code, done=rng.random() < 0.92, note=rng.choice(CHECK_NOTES))
                   for item in items if item.kind != "demand"]  # needs are fed back when resolved, not before
        record = VisitRecord(
            client_uuid=self.builder.uuid(), checked_in_at=checked_in, latitude=latitude, longitude=longitude,
            accuracy_m=float(rng.choice([8, 10, 15, 20, 30])), planned_visit=planned.pk if planned else None,
            checked_out_at=checked_in + timedelta(minutes=rng.randint(10, 25)),
            opinions=[rng.choice(OPINIONS)] if rng.random() < 0.3 else [],
            observations=observations, monthly_sales_cartons=monthly_sales, checklist=answers,
            notes=rng.choice(VISIT_NOTES) if rng.random() < 0.1 else "")
        visit, _created = record_visit(customer, record, by=self.manager, checklist_items=items)
        self.date_answers(visit, answers)
        return visit

    def date_answers(self, visit, answers):
        done = [answer for answer in answers if answer.done]
        tasks = [int(a.code.split(":", 1)[1]) for a in done if a.code.startswith("service:")]
        ServiceTask.objects.filter(pk__in=tasks, done_by=self.manager).update(done_at=visit.checked_out_at)
        fields = [a.code.split(":", 1)[1] for a in done if a.code.startswith("verify:")]
        if fields:
            Customer.objects.filter(pk=visit.customer_id).update(
                **{f"{field}_verified_at": visit.checked_out_at for field in fields})

    def checkin_position(self, customer, off_site: bool) -> tuple[float, float]:
        """At the door (a phone's few metres of error), or 300-600 m away."""
        rng = self.rng
        metres = rng.uniform(300, 600) if off_site else abs(rng.gauss(0, 15))
        bearing = rng.uniform(0, 2 * math.pi)
        latitude = customer.latitude + metres * math.cos(bearing) / 111_320
        longitude = customer.longitude + metres * math.sin(bearing) / (111_320 * math.cos(math.radians(latitude)))
        return round(latitude, 6), round(longitude, 6)

    def observations(self, customer, day: date) -> tuple[list[Observation], int]:
        """The shelf agrees with the orders: each SKU the store ordered in the last four weeks, its stock a
        fraction of a week's order and last week's sales about a week's order (条), the price asked (元/条; now
        and then above the guide price), whether the price tag is right; and the month's sales the retailer
        tells, about 4.3 weeks of orders."""
        rng = self.rng
        seen = []
        ordered = self.builder.orders.seen_at(customer, day)
        for sku_id, (weekly, _last) in sorted(ordered.items()):
            sku = self.skus_by_pk[sku_id]
            price = sku.retail_price + (rng.choice([10, 20, 50]) if rng.random() < 0.08 else 0)
            seen.append(Observation(sku.code, stock_cartons=round(weekly * rng.uniform(0.2, 0.8)),
                                    retail_price=Decimal(price),
                                    sales_last_week_cartons=round(weekly * rng.uniform(0.85, 1.15)),
                                    price_tag_ok=rng.random() > 0.08))
        return seen, round(4.3 * sum(weekly for weekly, _last in ordered.values()))


# --- two years of orders -------------------------------------------------------------------------------------

ORDER_WEEKS = 104
# Spring Festival (春节): the weeks before it are the year's peak (gifts, people coming home), the fortnight
# after it the trough.
SPRING_FESTIVALS = [date(2020, 1, 25), date(2021, 2, 12), date(2022, 2, 1), date(2023, 1, 22), date(2024, 2, 10),
                    date(2025, 1, 29), date(2026, 2, 17), date(2027, 2, 6), date(2028, 1, 26), date(2029, 2, 13),
                    date(2030, 2, 3), date(2031, 1, 23), date(2032, 2, 11), date(2033, 1, 31)]
# A store's weekly order by format, relative to a 便利店 of the same tier; rural shops sell less.
FORMAT_VOLUME: dict[str, float] = {
    BusinessFormat.GROCERY: 0.8, BusinessFormat.CONVENIENCE: 1.0, BusinessFormat.SUPERMARKET: 1.2,
    BusinessFormat.TOBACCO_LIQUOR: 1.5, BusinessFormat.ENTERTAINMENT: 0.9, BusinessFormat.MALL: 1.3,
    BusinessFormat.OTHER: 0.9,
}
RURAL_VOLUME = 0.75
# A brand's volume a year on: the Jiangsu and Zhejiang brands grow here, the cheapest decline; 细支 grows fastest.
BRAND_TREND = {"南京": 1.08, "利群": 1.06, "苏烟": 1.05, "红塔山": 0.93, "红金龙": 0.9, "哈德门": 0.85, "红梅": 0.8,
               "红双喜": 0.92}
SLIM_TREND = 1.25
LOST_SHARE = 0.02  # active stores that stopped ordering months ago (activity level 0)
OCCASIONAL_CHANCE = 0.25  # an occasional SKU is in a given week's order this often
RECENT_DAYS = 28  # what a visit sees on the shelf: the SKUs of the last four weeks' orders
CARTONS_PER_CASE = 250
TARGET_GROWTH = Decimal("1.03")  # this year's targets ask a little more than last year's volume


def weekly_cartons(tier: int, business_format: str, market_type: str) -> float:
    """A store's usual weekly order in 条 by tier (the tier is ranked from the order history, so volume roughly
    doubles every six tiers), format and market: a tier-3 rural 食杂店 orders a couple of 条, a tier-30 烟酒店
    over a hundred."""
    volume = 2.0 * 1.13 ** tier * FORMAT_VOLUME.get(business_format, 1.0)
    return volume * (RURAL_VOLUME if market_type == MarketType.RURAL else 1.0)


def price_point(tier: int, business_format: str, market_type: str) -> float:
    """The wholesale price per 条 a store's customers mostly buy at: dearer in big and specialist shops."""
    point = 50 * 1.06 ** tier
    if business_format in (BusinessFormat.TOBACCO_LIQUOR, BusinessFormat.MALL):
        point *= 1.3
    return point * (0.8 if market_type == MarketType.RURAL else 1.0)


@functools.cache
def season(day: date) -> float:
    """Spring Festival: up to nearly twice the usual in the three weeks before it, 60 % in the fortnight after."""
    festival = next(f for f in SPRING_FESTIVALS if f >= day - timedelta(days=14))
    days = (festival - day).days
    if days <= 0:
        return 0.6
    if days <= 21:
        return 1.3 + 0.6 * (21 - days) / 21
    return 1.0


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class OrderHistory:
    """Two years (ORDER_WEEKS weeks up to yesterday) of weekly orders for the given stores, each on its order day:
    every store has a habit — a handful of SKUs at its price point bought every week, a few now and then — sized
    by tier, format and market, with the Spring Festival peak, each brand's trend and the store's own; closed and
    suspended stores stopped ordering when they closed, a few active ones months ago (lost); stores opened within
    the two years start then (added). Prices and costs are the SKU's on the order day, from its history.

    Deterministic per seed: each store's orders come from its own random stream."""

    def __init__(self, builder: DemoBuilder):
        self.builder = builder
        self.today = builder.today
        self.last = self.today - timedelta(days=1)
        self.first = self.last - timedelta(days=7 * ORDER_WEEKS - 1)
        self.skus = {sku.pk: sku for sku in Sku.objects.select_related("brand").order_by("code")}
        # What stores may have made a habit of: all but the SKUs new this week.
        self.stocked = [sku for sku in self.skus.values()
                        if sku.launched_on is None or sku.launched_on < self.today - timedelta(days=7)]
        self.prices = self.price_history()
        self.price_cache: dict[tuple[int, date], tuple[Decimal, Decimal]] = {}
        self.recent: dict[int, list[tuple[date, dict[int, int]]]] = {}  # store pk → its last weeks' orders
        self.volume: Counter = Counter()  # manager pk → 条 ordered in the last 52 weeks

    def price_history(self) -> dict[int, list[tuple[date, Decimal, Decimal]]]:
        """Per SKU: (from day, allocation price, wholesale price), oldest first, from the SKU's history."""
        prices: dict[int, list[tuple[date, Decimal, Decimal]]] = {}
        for record in Sku.history.order_by("history_date", "history_id"):
            prices.setdefault(record.id, []).append(
                (timezone.localdate(record.history_date), record.purchase_cost, record.wholesale_price))
        return prices

    def price_on(self, sku_id: int, day: date) -> tuple[Decimal, Decimal]:
        """(cost, wholesale) on the day: the last history record by then, else the SKU's current prices."""
        found = None
        for since, cost, wholesale in self.prices.get(sku_id, []):
            if since > day:
                break
            found = (cost, wholesale)
        if found is None:
            sku = self.skus[sku_id]
            return sku.purchase_cost, sku.wholesale_price
        return found

    def write(self, customers) -> int:
        """Generate and insert the stores' order lines (inside the seed's transaction); the number written."""
        columns = ["order_no", "sku_id", "customer_id", "order_date", "quantity", "unit_price", "amount",
                   "unit_cost", "changed_at", "source"]
        return insert_rows(OrderLine, columns, self.lines(customers))

    def lines(self, customers):
        """Every store's orders, day by day (each store's own stream, merged): the order numbers come in
        ascending order, so the database appends to its unique index rather than inserting all over it."""
        keep_from = self.today - timedelta(days=RECENT_DAYS + 21)
        streams = [self.stream(customer) for customer in customers]
        for day, code, customer, order in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
            order_no = f"{day:%Y%m%d}{code}"
            if day >= keep_from:
                self.recent.setdefault(customer.pk, []).append((day, order))
            if day > self.last - timedelta(weeks=52):
                self.volume[customer.manager_id] += sum(order.values())
            for sku_id, quantity in order.items():
                key = (sku_id, day)
                if key not in self.price_cache:
                    self.price_cache[key] = self.price_on(sku_id, day)
                cost, price = self.price_cache[key]
                yield (order_no, sku_id, customer.pk, day, quantity, price, price * quantity, cost, self.builder.now,
                       "seed")

    def stream(self, customer):
        for day, order in self.orders(customer):
            yield day, customer.customer_code, customer, order

    def orders(self, customer):
        """(day, {sku pk: 条}) for each week the store ordered."""
        rng = random.Random(f"{self.builder.seed}:orders:{customer.customer_code}")
        regular, occasional = self.habit(customer, rng)
        weekday = customer.order_day or 1
        day = self.first + timedelta(days=(weekday - self.first.isoweekday()) % 7)
        start = max(day, timezone.localdate(customer.created_at))
        stop = self.stop_day(customer, rng)
        growth = max(0.7, rng.gauss(1.0, 0.08))  # the store's own trend, a year on
        while day <= self.last:
            if start <= day <= stop:
                years_ago = (self.today - day).days / 365
                store_factor = season(day) * growth ** -years_ago
                order = {}
                for sku, mean in regular:
                    if sku.launched_on is None or sku.launched_on <= day:
                        quantity = poisson(rng, mean * store_factor * self.trend(sku) ** -years_ago)
                        if quantity:
                            order[sku.pk] = quantity
                for sku, mean in occasional:
                    if (sku.launched_on is None or sku.launched_on <= day) and rng.random() < OCCASIONAL_CHANCE:
                        order[sku.pk] = max(1, poisson(rng, mean))
                if order:
                    yield day, order
            day += timedelta(days=7)

    def habit(self, customer, rng) -> tuple[list[tuple[Sku, float]], list[tuple[Sku, float]]]:
        """The SKUs a store buys every week (with their weekly 条) and those it buys now and then: the nearer a
        SKU's price is to the store's price point, the likelier it is on the shelf."""
        volume = weekly_cartons(customer.tier or 1, customer.business_format, customer.market_type)
        volume *= math.exp(rng.gauss(0, 0.15))
        point = price_point(customer.tier or 1, customer.business_format, customer.market_type)
        def key(sku):
            fit = math.exp(-1.2 * abs(math.log(float(sku.wholesale_price) / point)))
            return rng.random() ** (1 / fit)

        ranked = sorted(self.stocked, key=key, reverse=True)
        count = max(3, min(10, 3 + round(volume / 6)))
        regular = ranked[:count]
        shares = [rng.uniform(0.5, 1.5) for _sku in regular]
        total = sum(shares)
        occasional = ranked[count:count + rng.randint(2, 4)]
        return ([(sku, max(0.6, volume * share / total)) for sku, share in zip(regular, shares, strict=True)],
                [(sku, max(1.0, volume * 0.05)) for sku in occasional])

    def stop_day(self, customer, rng) -> date:
        """When the store stopped ordering: closed and suspended stores when they closed, a few active ones
        (lost) months ago; the others have not."""
        if customer.status != CustomerStatus.ACTIVE:
            return self.last - timedelta(weeks=rng.randint(2, 60))
        if rng.random() < LOST_SHARE:
            return self.last - timedelta(weeks=rng.randint(13, 40))
        return self.last

    @staticmethod
    def trend(sku) -> float:
        return SLIM_TREND if "细支" in sku.name else BRAND_TREND.get(sku.brand.name, 1.0)

    def seen_at(self, customer, day: date) -> dict[int, tuple[float, int]]:
        """What the store ordered in the four weeks before the day: {sku pk: (weekly 条, last order's 条)}."""
        if customer.pk not in self.recent:
            self.recent[customer.pk] = self.load_recent(customer)
        weekly: Counter = Counter()
        last: dict[int, int] = {}
        for ordered_on, order in self.recent[customer.pk]:
            if day - timedelta(days=RECENT_DAYS) <= ordered_on < day:
                for sku_id, quantity in order.items():
                    weekly[sku_id] += quantity
                    last[sku_id] = quantity
        return {sku_id: (total / (RECENT_DAYS / 7), last[sku_id]) for sku_id, total in weekly.items()}

    def load_recent(self, customer) -> list[tuple[date, dict[int, int]]]:
        """A store of an earlier seed: its recent orders from the database."""
        orders: dict[date, dict[int, int]] = {}
        for day, sku_id, quantity in (OrderLine.objects.filter(customer=customer,
                                                              order_date__gte=self.today - timedelta(days=50))
                                      .order_by("order_date").values_list("order_date", "sku_id", "quantity")):
            orders.setdefault(day, {})[sku_id] = quantity
        return list(orders.items())

    def targets(self, managers) -> list[SalesTarget]:
        """Each manager's target for every month of this year (in 箱): the last 52 weeks' volume, the season taken
        out, a little more, and the month's season put back (the Spring Festival moves between January and
        February), so each month runs near its target."""
        last_year = [self.last - timedelta(days=n) for n in range(364)]
        weeks = sum(season(day) for day in last_year) / 7  # seasonal weeks in the last 52
        year = self.today.year
        targets = []
        for manager in managers:
            weekly = Decimal(self.volume[manager.pk] / weeks) if weeks else Decimal(0)
            for month in range(1, 13):
                start = date(year, month, 1)
                end = date(year + month // 12, month % 12 + 1, 1)
                month_weeks = sum(season(start + timedelta(days=n)) for n in range((end - start).days)) / 7
                cases = (weekly * Decimal(month_weeks) * TARGET_GROWTH / CARTONS_PER_CASE).quantize(Decimal("0.01"))
                if cases > 0 and not SalesTarget.objects.filter(manager=manager, start=start, end=end).exists():
                    targets.append(SalesTarget(manager=manager, start=start, end=end, cases=cases))
        return targets


def shelf_photo(rng) -> bytes:
    """A small generated JPEG standing in for the evidence photo: a counter with rows of packs."""
    image = Image.new("RGB", (640, 480), (214, 204, 186))
    draw = ImageDraw.Draw(image)
    for row in range(4):
        for column in range(10):
            colour = tuple(rng.randint(60, 220) for _channel in range(3))
            left, top = 20 + column * 62, 40 + row * 105
            draw.rectangle([left, top, left + 50, top + 85], fill=colour, outline=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
