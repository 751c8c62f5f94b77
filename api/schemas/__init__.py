"""The shapes of the API's JSON answers (pydantic), one module per resource, so /openapi.json documents what each
route really answers and schemathesis checks every answer against it. Field names are the API's contract: clients
depend on them. Error bodies are in api/errors.py."""
