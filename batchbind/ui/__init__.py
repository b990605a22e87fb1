"""`batchbind ui`: the same jobs on a local web page, for administrators who do not use a terminal.

The page calls the library's own jobs (validate, run, report, status, unbind; the template
writer; `group_causes`), through the journal's lock like any CLI process; nothing but Feishu (or
the sandbox) is ever sent anything.

  `security`  who may use it: the printed link's secret, the Host check, the page tokens (CSRF)
  `session`   the page's jobs, one at a time, in a worker thread (`RunControl` is its Ctrl-C)
  `targets`   the sandbox or a stored profile, and logging in from the page
  `server`    aiohttp on 127.0.0.1: the routes below, the static page (`static/`)

The JSON API (every request needs the secret; every POST also `X-CSRF-Token`, which the page
finds in `<meta name="csrf-token">`; refusals are `{"error": sentence}` in the page's language,
409 when busy, 413 when an upload is too large):

  GET  /                  the page                    GET /static/{app.js,style.css,outcomes.css}
  GET  /api/config        {lang, messages: {en, zh}, colours: {outcome: [fill, text]}, targets,
                          target, max_upload_mb}
  GET  /api/targets       {targets: [{value: "sandbox" | "profile:NAME", label}], target}
  POST /api/lang          {lang}: the language of the server's sentences from now on
  GET  /api/template.xlsx, /api/template.csv      the template to fill in
  POST /api/input         multipart `file` (or JSON {link}: not supported yet, 400) ->
                          {name, rows, counts: {outcome: n}, groups: [the causes, as
                          `validate --json` lists them], skipped, exit_code}
  POST /api/login         {profile, app_id, app_secret, domain} -> 202; progress in the events
  POST /api/run           {target} -> 202 and the job's state (409: busy)
  POST /api/stop          as Ctrl-C: requests in flight finish, results written
  POST /api/status        {target}: ask Feishu for the sync status of the bound rows
  POST /api/unbind        {target, rows: [physical row], count}: `count` must equal the rows
  GET  /api/state         the job's state, as the events push it
  GET  /api/events        server-sent events, `data: {state: idle|running|stopping|done|stopped|
                          error, kind, counts: {bound, failed, pending, ...}, total, requests,
                          rate, ceiling, throttled, eta_s, exit_code, error, results_version,
                          login: {state, url, message}}`
  GET  /api/results       ?outcome=&limit= -> {columns, summary, total, rows: [{row, outcome,
                          code, msg, hint, binding_status, cells}], download}
  GET  /api/results.xlsx  the results file (the same writer as the CLI's)
"""

from batchbind.ui.server import UiServer

__all__ = ["UiServer"]
