"""A local emulator of the GoTo APIs: same paths and JSON shapes, its own tables.

Mounted at /goto-emulator/ when settings.GOTO_EMULATOR is on; see urls.py for the routes,
faults.py for the test controls and seed.py for the data.
"""
