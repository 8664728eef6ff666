"""The web UI and the REST API."""
