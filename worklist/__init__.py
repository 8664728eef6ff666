"""The system of record: models, migrations, services, web UI and API, users, audit, CLI."""
