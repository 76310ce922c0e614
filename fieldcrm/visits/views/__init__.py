"""Visit pages: `plans` (week plans, edits, planning progress, coordination) and `records` (visits done at
the store, plan versus actual)."""
