from fieldcrm.catalog.importing import SkuImport
from fieldcrm.customers.importcommand import ImportCommand


class Command(ImportCommand):
    help = "Import cigarette SKUs from a spreadsheet (see the import formats contract)."
    importer_class = SkuImport
