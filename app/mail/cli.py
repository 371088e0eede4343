import signal

import click

from app.mail import bp


@bp.cli.command("send-pending")
@click.option("--loop", is_flag=True, help="Keep running, sending every few seconds (make run, a systemd service).")
@click.option("--interval", default=3.0, show_default=True, help="Seconds between runs with --loop.")
def send_pending_command(loop: bool, interval: float) -> None:
    """Deliver queued mail; a failed attempt is retried later with a back-off."""
    from app.mail.services import send_pending, sender_loop, stopping

    def finish_then_stop(signum, frame):
        stopping.set()  # the mail in hand is delivered and recorded first
        signal.signal(signum, signal.SIG_DFL)  # a second signal stops at once

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, finish_then_stop)
    if loop:
        sender_loop(interval, report=lambda sent, failed: click.echo(f"mail: sent {sent}, failed {failed}"))
        return
    sent, failed = send_pending()
    click.echo(f"mail: sent {sent}, failed {failed}")
