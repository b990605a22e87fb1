"""The team's tracker: a Feishu Sheet, Bitable table or Wiki page, read as the input and written
back with every row's result (issue 14).

Modules: `links` (a link as people copy it from the browser, told apart from a file path),
`calls` (the document endpoints' calls: paced per endpoint, throttles and write conflicts waited
out, a refusal for permission turned into one sentence), `base` (what every kind of tracker does:
read its rows into a `Table`, write results back), then one module per kind.
"""
