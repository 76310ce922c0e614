from fieldcrm.customers.importcommand import ImportCommand
from fieldcrm.customers.importing import CustomerImport


class Command(ImportCommand):
    help = "Import retail customers from a spreadsheet (see the import formats contract)."
    importer_class = CustomerImport
