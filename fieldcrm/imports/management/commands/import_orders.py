from fieldcrm.imports.command import ImportCommand
from fieldcrm.imports.orders import OrderImport


class Command(ImportCommand):
    help = "Import order lines from a spreadsheet, streamed (see the import formats contract)."
    importer_class = OrderImport
