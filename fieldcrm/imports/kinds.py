"""The kinds of import, in the order the import page offers them."""

from fieldcrm.imports.customers import CustomerImport
from fieldcrm.imports.flow import SheetImport
from fieldcrm.imports.orders import OrderImport
from fieldcrm.imports.skus import SkuImport

IMPORTERS: dict[str, type[SheetImport]] = {
    importer.kind: importer for importer in (CustomerImport, SkuImport, OrderImport)
}
