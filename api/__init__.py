"""The HTTP API: FastAPI app, auth, routes and request/response schemas.

It talks to Temporal through the client (commands are workflow updates, live state is a
query) and reads the database projection for lists, documents and authorization.
"""
