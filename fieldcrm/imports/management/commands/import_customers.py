from fieldcrm.imports.command import ImportCommand
from fieldcrm.imports.customers import CustomerImport


class Command(ImportCommand):
    help = "Import retail customers from a spreadsheet (see the import formats contract)."
    importer_class = CustomerImport
