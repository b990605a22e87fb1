"""Reading the team's spreadsheet: from a file to checked rows, before anything is sent.

The pipeline, in order: `load` (the one entry: which reader, which sheet; a workbook's size is
checked first by `bounds` for a .xlsx, `ole2` for a legacy .xls or a password-protected file,
`opendocument` for an .ods) → `csvfile` or `excel` (the cells; merged ranges filled, `footers`
skipped) → `headers` (finding the header row and the three columns) → `cleaning` (values as a
careful person would clean them) → `validation` (per row and across rows; `Checked`).
`gc_pause` pauses the garbage collector while the two large steps run.
"""
