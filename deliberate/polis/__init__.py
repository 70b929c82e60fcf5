"""Importing Pol.is conversations (their CSV export) as open-question debates.

`deliberate import-polis DIR` (deliberate/polis/cli.py) calls
deliberate.polis.importer.import_conversation; deliberate/polis/files.py reads the export.
"""
