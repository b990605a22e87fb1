"""The jobs: one send engine and the commands built on it.

The engine, shared by every job that talks to Feishu:
  `engine`      the worker pool and the rules every job obeys: pacing, the retry rule, run-wide
                stops, the circuit breaker, token renewal
  `harness`     the one send phase: the client, the check before the first request, progress,
                Ctrl-C and SIGTERM, the pool
  `exit_codes`  the one table from a job's counts (and its stop) to its exit code, per command
  `settings`    what a job reads and whom it talks to (budget, pool, circuit breaker)

The jobs, each plugging its "send one and record the answer" step into the engine:
  `run`         run, validate and report: read, check, plan, send, render
  `plan`        which rows `run` sends, from the journal
  `binding`     `run`'s step: binding one row and journalling its answer
  `view`        what `status` and `unbind` share: a results file read back as a view of the
                journal, and the bound rows to act on (`Target`)
  `selection`   choosing rows of a results file (`--rows`, `--only`)
  `status`, `unbind`, `resolve`   the lifecycle commands
  `doctor`      is this machine and tenant ready for `run`? A list of checks; binds nothing
"""
