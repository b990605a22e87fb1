"""What batchbind remembers on disk: the journal (the truth about every row), its lock, the folders.

Modules: `journal` (SQLite: rows, attempts, runs), `lock` (one process per journal), `paths`
(per-user config and data folders, default file names).
"""
