"""batchbind's benchmarks. `python -m bench` runs the performance suite (issue 7) and prints a table.

Modules: `emulator` (the sandbox in a process of its own), `processes` (running a contender as a
user would, with its CPU and memory), `measure` (figures from the sandbox's request log, and the
ideal time a rate schedule allows), `peers` (the scripts teams write with the official SDK),
`scenarios` (the five scenarios and their sizes), `__main__` (the command and the table).
`bench_input.py` and `bench_resume.py` are stand-alone benchmarks of other issues.
"""
