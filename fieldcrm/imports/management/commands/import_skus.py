from fieldcrm.imports.command import ImportCommand
from fieldcrm.imports.skus import SkuImport


class Command(ImportCommand):
    help = "Import cigarette SKUs from a spreadsheet (see the import formats contract)."
    importer_class = SkuImport
