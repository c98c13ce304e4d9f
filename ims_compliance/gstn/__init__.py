"""GSTN connectivity, pure part (issue 3): the one parser (`protocol`) and the one SAVE/RESETIMS
builder with the REQSTS/count readers (`payloads`), the client that speaks GSTN's protocol to the
built-in sandbox or a GSP (`client`, over `transport`, with `settings` and a pluggable session
store), GSTN's queued files (`files`), its payload protection (`crypto`), the portal's offline
JSON (`offline`), typed failures (`errors`) and the sandbox itself (`sandbox`).

Nothing here imports frappe: the sandbox runs standalone and the tests run without a bench."""
