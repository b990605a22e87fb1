"""The jobs: one send engine and the commands built on it.

Modules: `settings` (what a job reads and whom it talks to), `plan` (which rows to send, from the
journal), `engine` (the worker pool: pacing, retries, run-wide stops), `binding` (sending one
binding and journalling its answer), `signals` (Ctrl-C and SIGTERM), `run` (run, validate,
report), `view` (a results file read back as a view of the journal), `selection` (`--rows`),
`status`, `unbind`, `resolve`.
"""
