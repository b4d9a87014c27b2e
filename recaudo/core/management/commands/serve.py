"""`recaudo serve`: migrate, then run the web app with a task worker (web imports run in the worker)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WORKER_COMMAND = [sys.executable, "-m", "recaudo.cli", "db_worker", "--no-reload"]
CYCLE_WORKER_COMMAND = [sys.executable, "-m", "recaudo.cli", "worker"]  # daily cycles and the outbox
DEFAULT_WEB_WORKERS = 2


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    """The production web server: gunicorn's pre-fork workers on recaudo.wsgi (WhiteNoise serves static files)."""
    bind_host = f"[{host.strip('[]')}]" if ":" in host else host
    return [sys.executable, "-m", "gunicorn", "recaudo.wsgi:application", "--bind", f"{bind_host}:{port}",
            "--workers", str(workers), "--access-logfile", "-", "--graceful-timeout", "10",
            "--timeout", "120"]  # a large export (XLSX, PDF) may take more than gunicorn's default 30 s


def web_workers(value: int | None) -> int:
    """--workers, else the setting RECAUDO_WEB_WORKERS (a whole number, checked by recaudo/settings.py), else 2;
    CommandError for fewer than 1."""
    if value is None:
        value = settings.RECAUDO_WEB_WORKERS
        if value is None:
            return DEFAULT_WEB_WORKERS
    if value < 1:
        raise CommandError(f"the number of web workers must be at least 1, not {value}")
    return value


def start_worker(stdout=None) -> subprocess.Popen | None:
    """Start `recaudo db_worker` as a child process, or None when tasks do not go through the database."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend":
        if stdout is not None:
            stdout.write(f"task backend {backend}: no worker needed")
        return None
    worker = subprocess.Popen(WORKER_COMMAND)
    if stdout is not None:
        stdout.write(f"task worker started (pid {worker.pid})")
    return worker


def check_port(host: str, port: int) -> None:
    """CommandError when the address is taken: runserver would end the process with os._exit (no cleanup)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (try --port)")


def stop_worker(worker: subprocess.Popen | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def serve(*, host: str = "127.0.0.1", port: int = 8000, worker: bool = True, migrate: bool = True,
          workers: int | None = None, production: bool = True, stdout=None) -> None:
    """Apply migrations, start the task worker (unless worker=False) and run the web server until stopped.

    production=True (`recaudo serve`): collectstatic, then gunicorn with `workers` processes (default
    RECAUDO_WEB_WORKERS or 2) on recaudo.wsgi:application, static files served by WhiteNoise.
    production=False (`recaudo demo`): Django's simple threaded server (--noreload, static files from the apps'
    folders with --insecure), which needs no collectstatic and stops at once on Ctrl+C.
    """
    if production:
        workers = web_workers(workers)
    check_port(host, port)
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    if production:
        call_command("collectstatic", interactive=False, verbosity=0)
    child = start_worker(stdout) if worker else None
    # With the database task backend, `recaudo worker` (daily cycles, outbox) runs next to the task worker.
    cycle_child = subprocess.Popen(CYCLE_WORKER_COMMAND) if child is not None else None
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    try:
        if main:
            # A plain `kill` (systemd, docker stop) ends the server like Ctrl+C does, so the worker stops too.
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        if production:
            run_gunicorn(host, port, workers, stdout)
        else:
            call_command("runserver", f"{host}:{port}", "--noreload", "--insecure")
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        stop_worker(child)
        stop_worker(cycle_child)


def run_gunicorn(host: str, port: int, workers: int, stdout=None) -> None:
    """Run gunicorn as a child process until it ends; stop it when this process is stopped."""
    server = subprocess.Popen(gunicorn_command(host, port, workers))
    if stdout is not None:
        stdout.write(f"web server: gunicorn, {workers} worker{'s' if workers > 1 else ''}, "
                     f"http://{host}:{port}/ (pid {server.pid})")
    try:
        code = server.wait()
    finally:
        stop_worker(server)  # Ctrl+C or SIGTERM while it runs: a graceful stop (it had up to 10 s per request)
    if code != 0:
        raise CommandError(f"the web server (gunicorn) stopped with status {code}")


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


class Command(BaseCommand):
    help = ("Run the web app at http://HOST:PORT with gunicorn (several processes; static files by WhiteNoise) "
            "after applying migrations and collectstatic, with a task worker alongside, which runs imports "
            "started from the web. Stop with Ctrl+C.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1",
                            help="address to listen on (default 127.0.0.1; others need ALLOWED_HOSTS)")
        parser.add_argument("--port", type=int, default=8000, help="default 8000")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the task worker (run `recaudo db_worker` yourself)")
        parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
        parser.add_argument("--workers", type=int, default=None,
                            help=f"web server processes (default RECAUDO_WEB_WORKERS or {DEFAULT_WEB_WORKERS})")

    def handle(self, *args, host, port, no_worker, no_migrate, workers, **options):
        serve(host=host, port=port, worker=not no_worker, migrate=not no_migrate, workers=workers,
              stdout=self.stdout)
