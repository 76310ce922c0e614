"""Import of the retail customer register, exactly as docs/import-formats.md (shared) describes."""

from contextlib import contextmanager

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldcrm.customers import fields
from fieldcrm.customers.models import (
    VOLATILE_FIELDS,
    ClassificationChange,
    Customer,
    CustomerClass,
    CustomerStatus,
    search_text_of,
)
from fieldcrm.imports.flow import Column, RowProblems, SheetImport
from fieldcrm.lib import cleaning
from fieldcrm.lib.bulk import allocate_ids, insert_rows, update_rows
from fieldcrm.lib.cleaning import CleanError
from fieldcrm.org.models import Company, Territory, User

BATCH = 2000

# Value parsers are the profile fields' own (customers/fields.py): an import accepts what an edit accepts.
COLUMNS = [
    Column("customer_code", ("客户编码", "customer_code", "customer code", "客户代码"), True,
           lambda v: cleaning.clean_code(v, 20),
           rule=gettext_lazy("unique; letters and digits, at most 20")),
    Column("name", ("客户名称", "店名", "name", "customer name", "store name"), True, fields.parse_name,
           rule=gettext_lazy("at most 100 characters")),
    Column("license_no", ("许可证号", "license_no", "licence_no", "license no", "许可证编号"), True,
           fields.parse_license,
           rule=gettext_lazy("8–20 letters or digits; unique among customers not revoked")),
    Column("owner_name", ("户主姓名", "负责人", "户主", "经营者", "owner_name", "owner"), True,
           fields.parse_owner_name,
           rule=gettext_lazy("at most 50 characters")),
    Column("phone", ("联系电话", "phone", "电话", "手机"), True, cleaning.clean_phone,
           rule=gettext_lazy("mainland mobile, or landline 0 + area code + number")),
    Column("address", ("经营地址", "address", "地址"), True, fields.parse_address,
           rule=gettext_lazy("at most 200 characters")),
    Column("longitude", ("经度", "longitude", "lon", "lng"),
           rule=gettext_lazy("both or neither; inside China")),
    Column("latitude", ("纬度", "latitude", "lat"),
           rule=gettext_lazy("both or neither; inside China")),
    Column("coord_system", ("坐标系", "coord_system", "coordinate system"),
           rule=gettext_lazy("WGS84, GCJ02 or BD09 (default WGS84)")),
    Column("business_format", ("业态", "business_format", "format"), True, fields.parse_business_format,
           rule=gettext_lazy("食杂店, 便利店, 超市, 商场, 烟酒店, 娱乐服务类, 其他")),
    Column("market_type", ("市场类型", "market_type", "market type"), True, fields.parse_market_type,
           rule=gettext_lazy("城网 or 农网")),
    Column("business_scale", ("经营规模", "business_scale", "scale"), False, fields.parse_business_scale,
           rule=gettext_lazy("大, 中, 小")),
    Column("tier", ("档位", "tier"), False, fields.parse_tier,
           rule=gettext_lazy("a whole number 1–30")),
    Column("customer_class", ("客户分类", "customer_class", "class", "客户类别"),
           rule=gettext_lazy("one of the company's customer classes")),
    Column("order_day", ("订货日", "order_day", "order day"), False, cleaning.parse_order_day,
           rule=gettext_lazy("周一…周日, 1–7 or Mon–Sun")),
    Column("business_hours", ("营业时间", "business_hours", "business hours"), False,
           cleaning.parse_business_hours,
           rule=gettext_lazy("HH:MM-HH:MM")),
    Column("manager", ("客户经理", "manager"), True,
           rule=gettext_lazy("the manager's employee number or login")),
    Column("territory", ("片区", "territory"),
           rule=gettext_lazy("an existing territory's name")),
    Column("owner_birthday", ("户主生日", "owner_birthday", "birthday"), False, cleaning.parse_date,
           rule=gettext_lazy("a date")),
    Column("license_expiry", ("许可证有效期至", "license_expiry", "许可证有效期"), False, cleaning.parse_date,
           rule=gettext_lazy("a date")),
    Column("status", ("状态", "status"), False, fields.parse_status,
           rule=gettext_lazy("正常, 暂停, 歇业 or 注销 (default 正常)")),
]

# The model attributes each file column sets (coordinates and hours set two).
COLUMN_ATTRS = {
    "customer_code": ("customer_code",),
    "name": ("name",),
    "license_no": ("license_no",),
    "owner_name": ("owner_name",),
    "phone": ("phone",),
    "address": ("address",),
    "longitude": ("longitude", "latitude"),
    "latitude": ("longitude", "latitude"),
    "business_format": ("business_format",),
    "market_type": ("market_type",),
    "business_scale": ("business_scale",),
    "tier": ("tier",),
    "customer_class": ("customer_class_id",),
    "order_day": ("order_day",),
    "business_hours": ("opens_at", "closes_at"),
    "manager": ("manager_id",),
    "territory": ("territory_id",),
    "owner_birthday": ("owner_birthday",),
    "license_expiry": ("license_expiry",),
    "status": ("status",),
}
BLANK_TEXT_ATTRS = {"business_scale"}


class CustomerImport(SheetImport):
    columns = COLUMNS
    key_field = "customer_code"
    kind = "customers"
    label = gettext_lazy("Retail customers")

    def prepare(self, present_fields):
        self.company = self.user.company or Company.objects.order_by("pk").first()
        self.attrs = sorted({a for f in present_fields for a in COLUMN_ATTRS.get(f, ())} - {"customer_code"})
        self.managers = self._manager_lookup()
        self.territories = dict(
            Territory.objects.filter(area__company=self.company).values_list("name", "pk")
        )
        self.classes = dict(CustomerClass.objects.filter(company=self.company).values_list("name", "pk"))
        self.class_names = {pk: name for name, pk in self.classes.items()}
        self.stored = {}
        self.live_licenses = {}
        rows = Customer.objects.values_list("customer_code", "status", "license_no", *self.attrs)
        for code, status, license_no, *values in rows.iterator(chunk_size=5000):
            # hash() is salted per process, which is fine here: compared only within this run.
            self.stored[code] = hash(tuple(values))
            if status != CustomerStatus.REVOKED:
                self.live_licenses[license_no] = code

    def lookup_state(self):
        return {"managers": self.managers, "territories": self.territories, "classes": self.classes,
                "company": self.company.pk}  # type: ignore[union-attr]  # prepare() found a company

    def _manager_lookup(self) -> dict:
        lookup = {}
        managers = User.objects.filter(company=self.company, is_active=True, role=User.Role.MANAGER)
        for pk, username, employee_no in managers.values_list("pk", "username", "employee_no"):
            lookup[username.lower()] = pk
            if employee_no:
                lookup[employee_no.lower()] = pk
        return lookup

    def clean_row(self, raw):
        cleaned, problems = self.clean_columns(raw)
        attrs = {"customer_code": cleaned.get("customer_code")}
        for name in ("name", "license_no", "owner_name", "phone", "address", "business_format",
                     "market_type", "tier", "order_day", "owner_birthday", "license_expiry"):
            if name in raw:
                attrs[name] = cleaned.get(name)
        if "business_scale" in raw:
            attrs["business_scale"] = cleaned.get("business_scale") or ""
        if "status" in raw:
            attrs["status"] = cleaned.get("status") or CustomerStatus.ACTIVE
        if "business_hours" in raw:
            hours = cleaned.get("business_hours")
            attrs["opens_at"], attrs["closes_at"] = hours if hours else (None, None)
        self._clean_coordinates(raw, attrs, problems)
        self._clean_lookups(raw, attrs, problems)
        if problems:
            raise RowProblems(problems)
        return attrs

    def _clean_coordinates(self, raw, attrs, problems):
        if "longitude" not in raw and "latitude" not in raw:
            return
        try:
            lon_lat = cleaning.parse_coordinates(raw.get("longitude"), raw.get("latitude"), raw.get("coord_system"))
        except CleanError as exc:
            problems.append((exc.field or "longitude", str(exc)))
            return
        attrs["longitude"], attrs["latitude"] = lon_lat if lon_lat else (None, None)

    def _clean_lookups(self, raw, attrs, problems):
        manager = cleaning.fold_width(str(raw.get("manager") or "")).strip().lower()
        if manager not in self.managers:
            problems.append(("manager", _("no active customer manager with this employee number or login")))
        else:
            attrs["manager_id"] = self.managers[manager]
        if "territory" in raw:
            attrs["territory_id"] = self._lookup(raw, "territory", self.territories, problems, fields.NO_TERRITORY)
        if "customer_class" in raw:
            attrs["customer_class_id"] = self._lookup(raw, "customer_class", self.classes, problems,
                                                      fields.NO_CLASS)

    @staticmethod
    def _lookup(raw, field, table, problems, message):
        name = cleaning.fold_width(str(raw.get(field) or "")).strip()
        if not name:
            return None
        if name not in table:
            problems.append((field, str(message)))
        return table.get(name)

    def check_unique(self, key, cleaned, row_number, seen):
        if cleaned.get("status") == CustomerStatus.REVOKED or "license_no" not in cleaned:
            return []
        license_no = cleaned["license_no"]
        if license_no in seen:
            return [("license_no", _("licence number repeats row %(row)s") % {"row": seen[license_no]})]
        holder = self.live_licenses.get(license_no)
        if holder is not None and holder != key:
            return [("license_no", _("licence number already belongs to customer %(code)s") % {"code": holder})]
        seen[license_no] = row_number
        return []

    def classify(self, key, cleaned):
        if key not in self.stored:
            return "new"
        values = tuple(cleaned.get(a, None) for a in self.attrs)
        return "unchanged" if hash(values) == self.stored[key] else "updated"

    # --- writing ----------------------------------------------------------------
    # Rows travel as dicts of column values and are written with COPY/executemany (lib/bulk.py):
    # instantiating 300,000 models and letting Django compile their INSERTs was 90 % of the time.
    def write(self, new_rows, updated_rows):
        now = timezone.now()
        with search_index_suspended(len(new_rows) >= max(REBUILD_INDEX_MIN_ROWS, len(self.stored))):
            for start in range(0, len(new_rows), BATCH):
                self._create(new_rows[start:start + BATCH], now)
            for start in range(0, len(updated_rows), BATCH):
                self._update(updated_rows[start:start + BATCH], now)

    def _new_defaults(self, now) -> dict:
        defaults = {name: field.get_default() for name, field in CUSTOMER_FIELD_OBJECTS.items()}
        defaults.update(company_id=self.company.pk,  # type: ignore[union-attr]  # prepare() found a company
                        created_at=now, updated_at=now, version=1)
        return defaults

    def _create(self, rows, now):
        defaults = self._new_defaults(now)
        records = [{**defaults, **attrs} for attrs in rows]
        for record, pk in zip(records, allocate_ids(Customer, len(records)), strict=True):
            record["id"] = pk
            record["search_text"] = search_text_of(record)
        # A new customer's tier and class are in its creation history; the log records changes only.
        insert_rows(Customer, ["id", *CUSTOMER_FIELDS], ([r["id"]] + [r[f] for f in CUSTOMER_FIELDS] for r in records))
        self._write_history(records, "+", now)

    def _update(self, rows, now):
        by_code = {attrs["customer_code"]: attrs for attrs in rows}
        stored = Customer.objects.filter(customer_code__in=list(by_code)).values("id", *CUSTOMER_FIELDS)
        volatile = [field for field in VOLATILE_FIELDS if field in self.attrs]
        verified = [f"{field}_verified_{part}" for field in volatile for part in ("at", "by_id")]
        changed = sorted(set(self.attrs) | set(verified) | {"version", "updated_at", "search_text"})
        records, logs = [], []
        for old in stored:
            record = {**old, **by_code[old["customer_code"]]}
            record.update(version=old["version"] + 1, updated_at=now)
            record["search_text"] = search_text_of(record)
            self._mark_verified(record, old, volatile, now)
            for field, attr in (("tier", "tier"), ("customer_class", "customer_class_id")):
                if record[attr] != old[attr]:
                    logs.append(self._log(old["id"], field, old[attr], record[attr], now))
            records.append(record)
        update_rows(Customer, changed, ([r[f] for f in changed] + [r["id"]] for r in records))
        self._write_history(records, "~", now)
        insert_rows(ClassificationChange, LOG_FIELDS, logs)

    def _mark_verified(self, record, old, volatile, now):
        """A volatile field the file changes counts as verified by the importing user, as an edit does
        (customers.actions.update_customer); one it leaves as it was keeps its last check. A new customer's
        fields are not marked: creation is not a change, and they stay unverified until checked."""
        for field in volatile:
            if record[field] != old[field]:
                record[f"{field}_verified_at"] = now
                record[f"{field}_verified_by_id"] = self.user.pk

    def _write_history(self, records, history_type, now):
        extra = [now, "import", history_type, self.user.pk]
        insert_rows(
            HistoricalCustomer,
            HISTORY_FIELDS + HISTORY_EXTRA,
            ([r[f] for f in HISTORY_FIELDS] + extra for r in records),
        )

    def _log(self, customer_id, field, old, new, now):
        if field == "customer_class":
            old, new = self.class_names.get(old, ""), self.class_names.get(new, "")
        return (customer_id, field, "" if old is None else str(old), "" if new is None else str(new), now,
                "import", "", self.user.pk)


# Same definition as migration customers/0003 (migrations do not import app code, hence the copy).
SEARCH_INDEX = "customer_search_trgm"
CREATE_SEARCH_INDEX = f"CREATE INDEX {SEARCH_INDEX} ON customers_customer USING gin (search_text gin_trgm_ops)"
# Loading at least this many new customers (and more than are stored) rebuilds the search index once instead
# of updating it row by row: about 35 % less work on a 300,000-row first load.
REBUILD_INDEX_MIN_ROWS = 50_000


@contextmanager
def search_index_suspended(suspend: bool):
    """Drop the trigram index for a bulk load and build it again at the end, in the same transaction
    (PostgreSQL DDL is transactional, so a failed import leaves the index as it was)."""
    if not suspend or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    yield
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred; check them now, since CREATE INDEX refuses pending checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(CREATE_SEARCH_INDEX)


HistoricalCustomer = Customer.history.model
CUSTOMER_FIELD_OBJECTS = {f.attname: f for f in Customer._meta.concrete_fields if f.attname != "id"}
CUSTOMER_FIELDS = list(CUSTOMER_FIELD_OBJECTS)
HISTORY_EXTRA = ["history_date", "history_change_reason", "history_type", "history_user_id"]
HISTORY_FIELDS = [
    f.attname for f in HistoricalCustomer._meta.concrete_fields if f.attname not in ["history_id", *HISTORY_EXTRA]
]
LOG_FIELDS = ["customer_id", "field", "old_value", "new_value", "changed_at", "source", "reason", "changed_by_id"]
