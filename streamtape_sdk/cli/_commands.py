"""One function per command: call the SDK, return an `Outcome` (JSON data + human text).

Commands never print results themselves (the app does, as text or JSON); they only draw
progress on stderr. Each takes the run's `Context` and the parsed arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from streamtape_sdk import (
    DownloadTicket,
    IntegrityError,
    MissingCredentialsError,
    StreamtapeError,
    TransferError,
    TransferOutcome,
)

from ._batch import BatchReport, run_items
from ._context import Context
from ._output import CLIError, Outcome
from ._progress import BatchProgress, countdown
from ._render import (
    account_text,
    conversions_text,
    file_info_text,
    listing_text,
    remote_status_text,
    remote_table,
    tree_text,
)

__all__ = ["COMMANDS", "Command", "UsageError"]

Command = Callable[[Context, argparse.Namespace], Outcome]


class UsageError(CLIError):
    """The arguments are individually valid but not together; reported like argparse's (exit 2)."""


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def account(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`account`: the account's e-mail, API id and sign-up date."""
    info = ctx.client.account.info()
    return Outcome(info, account_text(info))


def ls(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`ls [FOLDER]`: the subfolders and files of one folder (the root by default)."""
    listing = ctx.client.folders.list(_optional(args.folder))
    return Outcome(listing, listing_text(listing))


def tree(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`tree [FOLDER]`: the whole folder tree below FOLDER, with files and sizes."""
    entries = list(ctx.client.folders.walk(_optional(args.folder)))
    return Outcome(entries, tree_text(entries, ctx.marks))


def info(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`info FILE...`: name, size, type and conversion state; exit 1 if one is missing."""
    infos = ctx.client.files.info([str(file_id) for file_id in args.files])
    missing = [file_id for file_id, entry in infos.items() if not entry.exists]
    error = f"not found: {', '.join(missing)}" if missing else None
    return Outcome(infos, file_info_text(infos), error)


def _check_readable(paths: list[str], recursive: bool) -> None:
    """Fail before any upload when one of several paths cannot be sent (no half batches)."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"cannot upload {raw!r}: no such file")
        if path.is_dir() and not recursive:
            raise IsADirectoryError(
                f"cannot upload {raw!r}: it is a directory (pass --recursive to upload "
                "its contents)"
            )


def _report(ctx: Context, verb: str) -> BatchReport:
    return BatchReport(ctx.printer, BatchProgress(verb, enabled=ctx.interactive))


def _single_upload(ctx: Context, args: argparse.Namespace, path: Path) -> TransferOutcome:
    """`upload FILE --name NAME`: one file under another name, reported like a batch item."""
    label = str(args.name)
    waiting = f"Preparing {label}..." if args.no_sha256 else f"Hashing {label}..."
    try:
        with ctx.bar(f"upload {label}", waiting=waiting) as bar:
            up = ctx.client.files.upload(
                path,
                folder=_optional(args.folder),
                name=label,
                sha256=not args.no_sha256,
                progress=bar,
            )
    except MissingCredentialsError:
        raise
    except (StreamtapeError, OSError) as error:
        return TransferOutcome(path, None, "failed", error, remote_path=label)
    return TransferOutcome(
        path, up.id, "uploaded", size=up.size, sha256=up.sha256, remote_path=label
    )


def upload(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`upload PATH... [--recursive] [--folder ID] [--transfers N] [--dry-run] ...`.

    Files go up `--transfers` at a time; with `--recursive` a directory's *contents* go
    into the folder, subfolders created once. Every item is reported (a JSON line each as it
    finishes with `--json`); exit 1 when one failed.
    """
    paths = [str(path) for path in args.paths]
    recursive = bool(args.recursive)
    if args.name is not None and len(paths) != 1:
        raise UsageError("--name can only be used with a single PATH")
    if args.name is not None and recursive:
        raise UsageError("--name names one file: it cannot be used with --recursive")
    if (args.include or args.exclude) and not recursive:
        raise UsageError("--include and --exclude select files in directories: add --recursive")
    _check_readable(paths, recursive)
    skip = recursive if args.skip_existing is None else bool(args.skip_existing)
    folder = _optional(args.folder)
    report = _report(ctx, "upload")
    workers, dry_run, sha256 = int(args.transfers), bool(args.dry_run), not args.no_sha256
    manifest = _optional(args.manifest)
    client = ctx.client
    try:
        if args.name is not None:
            report.add(_single_upload(ctx, args, Path(paths[0])))
            return report.outcome(ctx.marks, "upload")
        files = [p for p in paths if not Path(p).is_dir()]
        if files:
            client.files.upload_many(
                files, folder, max_workers=workers, skip_existing=skip, dry_run=dry_run,
                sha256=sha256, manifest=manifest, listener=report.listener,
            )  # fmt: skip
        for directory in (p for p in paths if Path(p).is_dir()):
            client.folders.upload_tree(
                directory, folder, include=args.include, exclude=args.exclude,
                skip_existing=skip, dry_run=dry_run, max_workers=workers, sha256=sha256,
                manifest=manifest, listener=report.listener,
            )  # fmt: skip
    finally:
        report.close()
    return report.outcome(ctx.marks, "upload")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False


def _captcha_solver(ctx: Context) -> Callable[[DownloadTicket], str] | None:
    """Asks for a ticket's captcha on a terminal (streamtape-api.md §5.6 N10): shows the
    image's URL on stderr and reads the answer from stdin. None with `--json` or without a
    terminal: then the SDK raises `CaptchaRequiredError`, whose message gives the URL
    (exit 1)."""
    if ctx.settings.json or not (_is_terminal(sys.stdin) and _is_terminal(sys.stderr)):
        return None

    def solve(ticket: DownloadTicket) -> str:
        size = (
            f" ({ticket.captcha_width}x{ticket.captcha_height})"
            if ticket.captcha_width and ticket.captcha_height
            else ""
        )
        err = ctx.printer.stderr
        err.write(f"\nThis download needs a captcha: open {ticket.captcha_url}{size}\n")
        err.write("Type the characters it shows: ")
        err.flush()
        return sys.stdin.readline().strip()

    return solve


def download(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`download FILE_OR_FOLDER_ID... [DEST] [--recursive] [--transfers N] [--connections N]`.

    One id without `--recursive`: one file (DEST may be a file name; `--no-resume`,
    `--overwrite` to replace a file of the server's name in a directory DEST). Several
    ids: files into the directory DEST. `--recursive`: each id is a folder whose contents go
    into DEST. Every item is reported; an interruption says how to resume.
    """
    targets = [str(value) for value in args.targets]
    ids, dest = (targets, ".") if len(targets) == 1 else (targets[:-1], targets[-1])
    recursive = bool(args.recursive)
    if args.no_resume and (recursive or len(ids) > 1):
        raise UsageError("--no-resume applies to a single file only")
    if args.overwrite and (recursive or len(ids) > 1):
        raise UsageError(
            "--overwrite applies to a single file only (batches replace a local file that "
            "differs; --no-skip-existing downloads every file again)"
        )
    connections = int(args.connections)
    report = _report(ctx, "download")
    workers, dry_run, skip = int(args.transfers), bool(args.dry_run), not args.no_skip_existing
    manifest = _optional(args.manifest)
    client = ctx.client
    try:
        if recursive:
            for folder_id in ids:
                client.folders.download_tree(
                    folder_id, dest, skip_existing=skip, dry_run=dry_run, max_workers=workers,
                    manifest=manifest, listener=report.listener, connections=connections,
                )  # fmt: skip
        elif len(ids) == 1 and not dry_run:
            report.add(
                _single_download(
                    ctx, ids[0], dest, not args.no_resume, bool(args.overwrite), connections
                )
            )
        else:
            client.files.download_many(
                ids, dest, skip_existing=skip, dry_run=dry_run, max_workers=workers,
                manifest=manifest, listener=report.listener, connections=connections,
            )  # fmt: skip
    except KeyboardInterrupt:
        ctx.printer.note(
            "streamtape: download interrupted; the partial data is kept: run the same command "
            "again to resume"
        )
        raise
    finally:
        report.close()
    return report.outcome(ctx.marks, "download")


def _single_download(
    ctx: Context, file_id: str, dest: str, resume: bool, overwrite: bool, connections: int
) -> TransferOutcome:
    """One file, with a captcha prompt on a terminal; a resumable failure says how to resume."""
    waiting = "Waiting for the download ticket..."
    try:
        with ctx.bar(f"download {file_id}", waiting=waiting) as bar:
            path = ctx.client.files.download(
                file_id,
                dest,
                progress=bar,
                resume=resume,
                captcha_solver=_captcha_solver(ctx),
                overwrite=overwrite,
                connections=connections,
            )
    except MissingCredentialsError:
        raise
    except (StreamtapeError, OSError) as error:
        # An IntegrityError kept nothing; other transfer failures keep the partial state.
        if isinstance(error, TransferError) and not isinstance(error, IntegrityError):
            ctx.printer.note(
                f"streamtape: the partial download is kept; run `streamtape download {file_id} "
                f"{dest}` again to resume it."
            )
        return TransferOutcome(Path(dest), file_id, "failed", error, remote_path=file_id)
    return TransferOutcome(
        path, file_id, "downloaded", size=path.stat().st_size, remote_path=path.name
    )


def link(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`link FILE`: a direct download URL, after the ticket's wait (counted down on stderr);
    asks for a captcha on a terminal when the ticket demands one."""
    file_id = str(args.file)
    files = ctx.client.files
    ticket = files.get_download_ticket(file_id)
    answer: str | None = None
    if ticket.requires_captcha:
        solver = _captcha_solver(ctx)
        # Without a solver, get_download_link raises CaptchaRequiredError with the URL.
        answer = solver(ticket) if solver is not None else None
    countdown(ticket.remaining_wait, "Waiting for the download ticket:", enabled=ctx.interactive)
    result = files.get_download_link(file_id, ticket, answer)
    return Outcome(result, result.url)


def _headers(lines: list[str] | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines or []:
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise UsageError(f"--header must look like 'Name: value', got {line!r}")
        headers[name.strip()] = value.strip()
    return headers


def remote_add(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`remote add URL [--folder] [--name] [--header ...] [--wait]`."""
    remote = ctx.client.remote
    job = remote.add(
        str(args.url),
        folder=_optional(args.folder),
        headers=_headers(args.header) or None,
        name=_optional(args.name),
    )
    if not args.wait:
        hint = f"Queued remote upload {job.id}; follow it with: streamtape remote status {job.id}"
        return Outcome(job, hint)
    with ctx.bar(f"remote {job.id}") as bar:
        # Given the job, wait renames the file to --name if the service ignored it (N11).
        status = remote.wait(job, timeout=float(args.wait_timeout), progress=bar)
    text = remote_status_text(status)
    if status.renamed_from is not None:
        chosen = repr(status.renamed_from) if status.renamed_from else "its own name"
        text += f"\nRenamed the file from {chosen} to {status.name!r} (the source chose the name)"
    return Outcome(status, text)


def remote_status(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`remote status ID`: the state of one remote upload."""
    status = ctx.client.remote.status(str(args.id))
    return Outcome(status, remote_status_text(status))


def remote_ls(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`remote ls`: the account's recent remote uploads."""
    statuses = ctx.client.remote.list()
    return Outcome(statuses, remote_table(statuses))


def remote_rm(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`remote rm ID` or `remote rm --all`: cancel and forget remote uploads."""
    if args.all:
        ctx.client.remote.remove_all()
        return Outcome(None, "Removed every remote upload")
    if args.id == "all":
        # The API's `id=all` wipes everything: require the explicit flag for that.
        raise UsageError("to remove every remote upload, pass --all")
    ctx.client.remote.remove(str(args.id))
    return Outcome(None, f"Removed remote upload {args.id}")


def mkdir(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`mkdir NAME [--parent ID]`: create a folder; prints its id."""
    created = ctx.client.folders.create(str(args.name), parent=_optional(args.parent))
    return Outcome(created, f"Created folder {args.name!r} with id {created.folder_id}")


def rename(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`rename FILE NAME`."""
    ctx.client.files.rename(str(args.file), str(args.name))
    return Outcome(None, f"Renamed file {args.file} to {args.name!r}")


def move(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`mv FILE FOLDER`: move a file into another folder."""
    ctx.client.files.move(str(args.file), str(args.folder))
    return Outcome(None, f"Moved file {args.file} into folder {args.folder}")


def rm(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`rm FILE...`: delete every file, going on past failures; exit 1 if one failed."""
    report = _report(ctx, "delete")
    run_items([str(v) for v in args.files], ctx.client.files.delete, report)
    return report.outcome(ctx.marks, "delete")


def rmdir(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`rmdir FOLDER...`: delete folders with everything in them, going on past failures."""
    report = _report(ctx, "delete")
    run_items([str(v) for v in args.folders], ctx.client.folders.delete, report)
    return report.outcome(ctx.marks, "delete")


def rename_folder(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`rename-folder FOLDER NAME`."""
    ctx.client.folders.rename(str(args.folder), str(args.name))
    return Outcome(None, f"Renamed folder {args.folder} to {args.name!r}")


def conversions(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`conversions [--failed]`: running (or failed) conversions."""
    files = ctx.client.files
    found = files.failed_conversions() if args.failed else files.running_conversions()
    return Outcome(found, conversions_text(found, failed=bool(args.failed)))


def thumbnail(ctx: Context, args: argparse.Namespace) -> Outcome:
    """`thumbnail FILE`: the URL of the file's thumbnail image."""
    url = ctx.client.files.thumbnail_url(str(args.file))
    return Outcome({"file_id": str(args.file), "url": url}, url)


#: Command name -> handler; the parser in `_app` adds the arguments.
COMMANDS: dict[str, Command] = {
    "account": account,
    "ls": ls,
    "tree": tree,
    "info": info,
    "upload": upload,
    "download": download,
    "link": link,
    "remote add": remote_add,
    "remote status": remote_status,
    "remote ls": remote_ls,
    "remote rm": remote_rm,
    "mkdir": mkdir,
    "rename": rename,
    "mv": move,
    "rm": rm,
    "rmdir": rmdir,
    "rename-folder": rename_folder,
    "conversions": conversions,
    "thumbnail": thumbnail,
}
