"""The `deliberate` command: serve, seed, create-admin, purge, backup, restore, and Flask's
own (db, routes, shell)."""

import os

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select


@click.command("seed")
@click.option(
    "--remove",
    is_flag=True,
    help="Delete every demo debate and demo account instead (a production site's first step).",
)
@click.option("--yes", is_flag=True, help="With --remove: do not ask for confirmation.")
@with_appcontext
def seed_command(remove, yes):
    """Create the demo debates (skips those that exist), or remove them all."""
    from .extensions import db
    from .seed import remove_demo, seed_demo

    if not remove:
        created = seed_demo()
        click.echo(f"Seeded: {', '.join(created)}" if created else "Demo debates already present.")
        return
    counts = remove_demo()
    summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
    if not counts["debates"] and not counts["demo accounts"]:
        db.session.rollback()
        click.echo("No demo debates or accounts to remove.")
        return
    if not yes and not click.confirm(f"Remove for good ({summary})?"):
        db.session.rollback()
        raise click.Abort
    db.session.commit()
    click.echo(f"Removed ({summary}).")


@click.command("create-admin")
@click.option("--pseudonym", prompt=True)
@click.option("--email", prompt=True)
@click.password_option()
@with_appcontext
def create_admin_command(pseudonym, email, password):
    """Create a site administrator account."""
    from .accounts.services import FieldError, register_user
    from .extensions import db

    try:
        user = register_user(pseudonym, email, password)
    except FieldError as error:
        raise click.UsageError(f"{error.field}: {error.message}") from None
    user.is_admin = True
    db.session.commit()
    click.echo(f"Admin account {user.pseudonym!r} created.")


@click.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Override DELIBERATE_PURGE_DAYS (default 7).",
)
@with_appcontext
def purge_command(days):
    """Delete transient personal data older than DELIBERATE_PURGE_DAYS (docs/privacy.md)."""
    from .extensions import db
    from .privacy.services import purge

    counts = purge(days)
    db.session.commit()
    click.echo(
        "Purged: {password_resets} password-reset links, {notifications} read notifications, "
        "{flag_notes} notes of resolved flags.".format(**counts)
    )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--seed/--no-seed",
    default=True,
    show_default=True,
    help="Create the demo debates when the database has none (production: --no-seed).",
)
@with_appcontext
def serve_command(host, port, workers, seed):
    """Migrate the database, seed it if empty, and serve with gunicorn."""
    from .extensions import db
    from .models import Debate
    from .privacy.services import purge
    from .seed import seed_demo

    upgrade(directory=current_app.extensions["migrate"].directory)
    if seed and db.session.scalar(select(func.count()).select_from(Debate)) == 0:
        seed_demo()
    # Then each worker purges at most hourly, from a request (deliberate/privacy).
    purge()
    db.session.commit()
    db.session.remove()
    db.engine.dispose()  # workers open their own connections after the fork
    click.echo(f"Deliberate is serving on http://{host}:{port}/  (Ctrl+C stops it)")
    # Mailed links point here unless the site's address is set (production requires it).
    os.environ.setdefault("DELIBERATE_PUBLIC_URL", f"http://{host}:{port}")
    run_gunicorn(host, port, workers)


def run_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    from . import create_app

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 10)
            # gunicorn 24+ opens a control socket at one fixed path in the home folder, which
            # several servers on one machine (two sites, parallel tests) would contend for.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)

        def load(self):
            return create_app()

    Server().run()


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst):
    """Compute debates' results queued on Redis (DELIBERATE_REDIS_URL), and send due
    notification mail every DELIBERATE_MAIL_INTERVAL seconds."""
    from . import create_app
    from .mailings.delivery import MailLoop
    from .results.jobs import work

    app = create_app()
    mail = MailLoop(app, app.config["MAIL_INTERVAL"])
    if burst:
        mail.run_once()
    elif app.config["MAIL_INTERVAL"] > 0:
        mail.start()  # a thread beside the jobs: a long analysis does not hold mail back
    work(app, burst=burst)


def register(app) -> None:
    from .backup import backup_command, restore_command
    from .polis.cli import import_polis_command

    for command in (
        seed_command,
        create_admin_command,
        serve_command,
        purge_command,
        backup_command,
        restore_command,
        import_polis_command,
        worker_command,
    ):
        app.cli.add_command(command)


def main() -> None:
    from . import create_app

    FlaskGroup(create_app=create_app, help="Deliberate: moderated, structured online debate.")()
