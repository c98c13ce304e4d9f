"""GSTN connectivity, pure part (issue 3): the one parser and payload builder (`protocol`), the
HTTP client that speaks GSTN's protocol to the built-in sandbox or a GSP (`client`), GSTN's
payload protection (`crypto`), the portal's offline JSON (`offline`) and the sandbox itself.

Nothing here imports frappe: the sandbox runs standalone and the tests run without a bench."""
