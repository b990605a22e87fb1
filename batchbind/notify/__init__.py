"""Messages to a Feishu group after a run (`--notify`): never in the way of the run itself.

Modules: `summary` (a command's ending as a typed `RunSummary`, its causes grouped by
`batchbind.output.causes` as the terminal's are), `card` (the summary as a card or as text),
`targets` (webhook URLs and `chat:<id>`, checked and shown shortened), `sign` (the webhook's
signature), `send` (delivery through the one HTTP client, with the webhook's own retry rule),
`config` (targets kept with a profile), `post` (all of it after a command, recorded in the
journal).
"""
