"""The manager's web app and REST API (`pricewatch web`).

FastAPI + Jinja2 templates + a vendored htmx for the small interactive parts, served by
uvicorn. Routes are thin: they parse the request, call the storage repositories and the
same rule functions as the CLI and reports, and render. `create_app(engine, settings)`
builds the app; `web.server.run` serves it.
"""
