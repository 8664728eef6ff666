"""The ``worklist`` command line."""

from __future__ import annotations

import typer

from worklist.commands import backup as backups
from worklist.commands import db, demo, hl7, importer, listener, pipeline, read, seed, serve, users, web
from worklist.commands import outcomes_audit, tokens

app = typer.Typer(
    name="worklist",
    help="Breast imaging concordance worklist: no finding lost between steps.",
    no_args_is_help=True,
    add_completion=False,
    # Plain help: a flag shows as a flag (``--demo``), not as an option taking a ``<bool>``.
    rich_markup_mode=None,
)
app.command("serve")(serve.serve)
app.command("listener")(listener.listener)
app.command("hl7")(hl7.hl7)
app.command("web")(web.web)
app.command("worker")(pipeline.worker)
app.command("beat")(pipeline.beat)
db.app.command("seed-scale")(seed.seed_scale)
app.add_typer(db.app, name="db")
app.add_typer(users.user_app, name="user")
app.add_typer(tokens.token_app, name="token")
app.command("import")(importer.import_path)
app.command("demo")(demo.demo)
app.command("audit")(outcomes_audit.outcomes_audit)
app.command("read")(read.read)
app.command("backup")(backups.backup)
app.command("restore")(backups.restore)

if __name__ == "__main__":
    app()
