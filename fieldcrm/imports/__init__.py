"""Spreadsheet imports: the shared flow, each importer's columns and rules, the run log, the pages and the
batch commands. This app reads and writes customers and the catalogue; neither of them knows about it."""
