"""Catalogue endpoints (/api/v1/skus): the SKU list the phone keeps for capture at the store (field-api.md
"Catalogue"). Every signed-in user of the installation reads it; nobody writes it through the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from django.db.models import Q
from ninja import Field, FilterLookup, Query, Router, Schema

from fieldcrm.catalog.models import Sku
from fieldcrm.schemas import ListFilters

router = Router(tags=["catalogue"])


class SkuOut(Schema):
    code: str
    name: str
    brand: str = Field(alias="brand.name")
    price_class: str
    wholesale_price: Decimal = Field(description="元 per 条")
    retail_price: Decimal = Field(description="suggested retail, 元 per 条")
    status: str
    barcode: str
    launched_on: date | None


class SkuFilters(ListFilters):
    q: str | None = Field(None, max_length=50, description="part of the code, name or barcode")
    brand: Annotated[str | None, FilterLookup("brand__name")] = Field(None, max_length=50)
    status: Sku.Status | None = None
    limit: int = Field(2000, ge=1, le=5000)
    offset: int = Field(0, ge=0, le=10**9)

    def filter_q(self, value) -> Q:
        if not value:
            return Q()
        return Q(code__icontains=value) | Q(name__icontains=value) | Q(barcode=value)


@router.get("/skus", response=list[SkuOut])
def list_skus(request, filters: Query[SkuFilters]):
    if not (request.user.is_authenticated and request.user.is_active):
        return []
    return filters.page(filters.filter(Sku.objects.select_related("brand")).order_by("brand__name", "name", "pk"))
