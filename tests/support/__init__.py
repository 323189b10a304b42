"""Test helpers (plain modules, no fixtures): the envelope client, personas, assertions, time, races.

Fixtures live in the conftest modules and use these; new helpers go here, not in a conftest.
"""
