"""A realistic demo county (沛县, Xuzhou, Jiangsu): org, logins, retailers along real streets, SKUs.

Deterministic per seed: the same seed gives the same people, stores, codes and coordinates.
"""

import math
import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fieldcrm.care.actions import plan_services
from fieldcrm.care.models import Promotion
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
from fieldcrm.org.models import Department, MarketingArea, Territory, User
from fieldcrm.visits.actions import generate_week_plan

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
# (brand, name, allocation price, wholesale, suggested retail) per 条 — public price points, indicative.
SKUS = [
    ("中华", "中华(硬)", "340.00", "381.60", "450"), ("中华", "中华(软)", "550.00", "614.80", "700"),
    ("玉溪", "玉溪(软)", "180.00", "201.40", "230"), ("玉溪", "玉溪(硬)", "150.00", "169.60", "190"),
    ("芙蓉王", "芙蓉王(硬)", "195.00", "218.36", "250"), ("黄鹤楼", "黄鹤楼(软蓝)", "146.70", "164.30", "190"),
    ("利群", "利群(硬新版)", "127.80", "143.10", "160"), ("云烟", "云烟(硬紫)", "102.20", "114.50", "130"),
    ("云烟", "云烟(软珍品)", "196.00", "219.40", "250"), ("红塔山", "红塔山(硬经典)", "67.00", "75.00", "85"),
    ("红金龙", "红金龙(硬新版)", "39.70", "44.50", "50"), ("南京", "南京(炫赫门)", "98.20", "110.00", "130"),
    ("南京", "南京(红)", "61.90", "69.30", "80"), ("南京", "南京(十二钗烤烟)", "160.70", "180.00", "200"),
    ("苏烟", "苏烟(软金砂)", "340.00", "380.80", "450"), ("苏烟", "苏烟(五星红杉树)", "111.60", "125.00", "150"),
    ("白沙", "白沙(硬精品二代)", "85.70", "96.00", "110"), ("真龙", "真龙(凌云)", "178.60", "200.00", "230"),
    ("七匹狼", "七匹狼(白)", "89.30", "100.00", "120"), ("红双喜", "红双喜(硬上海)", "44.60", "50.00", "60"),
    ("黄山", "黄山(红方印)", "89.30", "100.00", "120"), ("泰山", "泰山(红将军)", "67.00", "75.00", "85"),
    ("钻石", "钻石(荷花)", "232.10", "260.00", "300"), ("黄金叶", "黄金叶(天叶)", "892.90", "1000.00", "1100"),
    ("哈德门", "哈德门(精品)", "26.80", "30.00", "35"), ("红梅", "红梅(软黄)", "13.40", "15.00", "18"),
]

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
    def __init__(self, seed: int, managers: int, customers: int, stdout=None, plan_seconds: float = 5):
        self.plan_seconds = plan_seconds
        self.rng = random.Random(seed)
        self.manager_count = max(1, managers)
        self.customer_count = max(0, customers)
        self.today = timezone.localdate()
        self.now = timezone.now()

    @transaction.atomic
    def build(self):
        self.company = setup_company(*COMPANY)
        self.build_people()
        self.build_skus()
        if self.customer_count:
            self.build_customers()
            monday = self.today - timedelta(days=self.today.weekday())
            Promotion.objects.get_or_create(
                company=self.company, name="苏烟品牌陈列推广月",
                defaults={"starts_on": monday + timedelta(days=10), "ends_on": monday + timedelta(days=40),
                          "tier_min": 15, "lead_days": 3,
                          "business_formats": [BusinessFormat.TOBACCO_LIQUOR, BusinessFormat.SUPERMARKET]},
            )
            plan_services(self.company, monday, monday + timedelta(days=28))
            self.build_demands()
            self.build_visit_plans(monday + timedelta(days=7))
        return self

    def build_demands(self):
        """A few needs per manager: open ones heard in the last day (due in the next one to three days by
        their class's standard, so next week's plan brings those stores in; one of them resolved by its
        department, awaiting the feedback to the retailer), one overdue, two closed."""
        for manager in self.managers:
            stores = list(Customer.objects.filter(manager=manager, status=CustomerStatus.ACTIVE)
                          .select_related("customer_class__service_standard").order_by("customer_code"))
            if len(stores) < 6:
                continue
            picked = self.rng.sample(stores, 6)
            for n, store in enumerate(picked[:3]):
                demand = self.demand(store, manager, hours_ago=self.rng.randint(1, 20))
                staff = User.objects.filter(department=demand.department_id).first() if n == 0 else None
                if staff is not None:  # answered by its department: the manager tells the retailer next visit
                    resolve_demand(demand, by=staff, resolution=DEMAND_SAMPLES[demand.kind][1])
            self.demand(picked[3], manager, hours_ago=24 * 5)  # overdue: nobody answered it
            for store in picked[4:]:
                demand = self.demand(store, manager, hours_ago=24 * self.rng.randint(6, 20))
                resolved_at = demand.raised_at + timedelta(hours=self.rng.randint(2, demand.response_hours))
                resolve_demand(demand, by=manager, resolution=DEMAND_SAMPLES[demand.kind][1], resolved_at=resolved_at)
                record_feedback(demand, by=manager, channel=Demand.Channel.PHONE, satisfied=True,
                                given_at=resolved_at)

    def demand(self, store, manager, hours_ago):
        kind = self.rng.choice(list(DEMAND_SAMPLES))
        return raise_demand(store, kind=kind, description=DEMAND_SAMPLES[kind][0], by=manager,
                            raised_at=self.now - timedelta(hours=hours_ago))

    def build_visit_plans(self, week_start):
        """Next week's draft plan for every manager, so the demo opens on a routed week."""
        for manager in self.managers:
            generate_week_plan(manager, week_start, time_limit=self.plan_seconds)

    def _user(self, username, role, **fields):
        user, created = User.objects.get_or_create(username=username, defaults={"role": role, **fields})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
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
            territory, _ = Territory.objects.get_or_create(area=area, name=f"{place[0]}{i}号片区")
            self.managers.append(manager)
            self.territories.append((territory, place))

    def build_skus(self):
        """The catalogue, on sale for long (no launch date) but for the last SKU, new this week; and two price
        changes coming: the news the information support services tell."""
        monday = self.today - timedelta(days=self.today.weekday())
        for index, (brand_name, name, cost, wholesale, retail) in enumerate(SKUS, start=1):
            brand, _ = Brand.objects.get_or_create(name=brand_name)
            cost = Decimal(cost)
            Sku.objects.get_or_create(
                code=f"69010{index:05d}",
                defaults={
                    "name": name, "brand": brand, "barcode": ean13(f"690{index:09d}"),
                    "purchase_cost": cost, "wholesale_price": Decimal(wholesale), "retail_price": Decimal(retail),
                    "price_class": price_class_for(cost), "manufacturer": f"{brand_name}卷烟厂",
                    "launched_on": monday if index == len(SKUS) else None,
                },
            )
        for code, effective_on, wholesale, retail in [("6901000001", monday + timedelta(days=10), "390.00", "460"),
                                                      ("6901000015", monday + timedelta(days=17), "386.00", "460")]:
            sku = Sku.objects.get(code=code)
            PriceChange.objects.get_or_create(sku=sku, effective_on=effective_on, defaults={
                "old_wholesale_price": sku.wholesale_price, "new_wholesale_price": Decimal(wholesale),
                "old_retail_price": sku.retail_price, "new_retail_price": Decimal(retail)})

    def build_customers(self):
        classes = {c.name: c for c in CustomerClass.objects.filter(company=self.company)}
        start = Customer.objects.count() + 1
        customers = [self.customer(start + n, classes) for n in range(self.customer_count)]
        Customer.objects.bulk_create(customers, batch_size=2000)
        Customer.history.bulk_history_create(customers, default_change_reason="seed", default_date=self.now)

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
            order_day=rng.randint(1, 6),
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
