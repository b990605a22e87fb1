"""What batchbind shows: results rendered from the journal, the files it writes, its messages.

Modules: `render` (result rows from the journal, a chunk at a time), `writers` (.xlsx and .csv
results, written atomically), `cells` (formula-safe cells), `template`, `sheetcopy` (`resolve`'s
copy of the input), `i18n` (the one message catalogue: every sentence a user sees, in English
and Chinese), `problems` (a validation problem put into words), `causes` (the rows that need a
person, grouped by cause), `progress` (the bar, and whether a rate is worth showing).
"""
