"""The incoming-mail folder of the embedded default: drop a .eml file in it and the poller takes it in.

settings.FLEXDESK_MAIL_DROP_DIR (off when empty; `var/mail-drop` with `make run`). Every minute the poller reads
each `*.eml` file there — and the `new/` of a Maildir, if the folder is one (a local mail server can deliver
into it) — and hands it to mail_receive(), which finds the program by the support address it was sent to. Then
the file moves, never deleted:

    processed/<name>        a ticket, a reply on its ticket or a bounce of one of ours
                            (an ignored auto-reply too, with <name>.txt saying why)
    rejected/<name>         not taken in, with <name>.txt giving the reason

A file is first claimed by renaming it into processing/ (atomic: two pollers never read the same file); one left
there by a poller that died is put back after CLAIM_TIMEOUT and read again (mail_receive stores a Message-ID
once, so that makes nothing twice).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from channels.mailbox.inbound import mail_receive
from channels.models import InboundEmail

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = 600  # seconds a claimed file may stay in processing/ before it is read again
PROCESSING, PROCESSED, REJECTED = "processing", "processed", "rejected"


@dataclass
class DropResult:
    folder: str = ""
    processed: int = 0
    rejected: int = 0
    skipped: str = ""
    errors: list[str] = field(default_factory=list)


def drop_folder() -> Path | None:
    value = getattr(settings, "FLEXDESK_MAIL_DROP_DIR", "")
    return Path(value) if value else None


def _free_path(folder: Path, name: str) -> Path:
    """folder/name, or folder/<stem>-2<suffix>… when a file of that name is there already."""
    path = folder / name
    stem, suffix, n = path.stem, path.suffix, 2
    while path.exists() or path.with_name(path.name + ".txt").exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def _candidates(root: Path) -> list[Path]:
    found = sorted(path for path in root.glob("*.eml") if path.is_file())
    maildir_new = root / "new"
    if maildir_new.is_dir():
        found += sorted(
            path for path in maildir_new.iterdir() if path.is_file() and not path.name.startswith(".")
        )
    return found


def _requeue_stale_claims(root: Path) -> None:
    processing = root / PROCESSING
    if not processing.is_dir():
        return
    cutoff = time.time() - CLAIM_TIMEOUT
    for path in processing.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                os.rename(path, _free_path(root, path.name if path.suffix == ".eml" else f"{path.name}.eml"))
                logger.warning("mail drop: %s was left half-read; it is read again", path.name)
        except FileNotFoundError:  # another poller put it back first
            continue


def _claim(path: Path, processing: Path) -> Path | None:
    name = path.name if path.suffix == ".eml" else f"{path.name}.eml"
    claimed = _free_path(processing, name)
    try:
        os.rename(path, claimed)
    except FileNotFoundError:  # another poller claimed it
        return None
    os.utime(claimed)  # the claim's age, for _requeue_stale_claims
    return claimed


def _file_away(claimed: Path, root: Path, inbound: InboundEmail) -> bool:
    rejected = inbound.outcome == InboundEmail.Outcome.REJECTED
    target = _free_path(root / (REJECTED if rejected else PROCESSED), claimed.name)
    if rejected or inbound.outcome == InboundEmail.Outcome.IGNORED:
        target.with_name(target.name + ".txt").write_text(
            f"{inbound.get_outcome_display()}: {inbound.reason or 'no reason given'}\n"
            f"Message-ID: {inbound.message_id}\nFrom: {inbound.from_address}\nSubject: {inbound.subject}\n",
            encoding="utf-8",
        )
    os.rename(claimed, target)
    return rejected


def dropfolder_read(*, folder: Path | str | None = None) -> DropResult:
    """Take in every message waiting in the drop folder (see the module). Never raises for a bad file."""
    root = Path(folder) if folder else drop_folder()
    if root is None:
        return DropResult(skipped="no drop folder (FLEXDESK_MAIL_DROP_DIR is empty)")
    result = DropResult(folder=str(root))
    try:
        for name in (PROCESSING, PROCESSED, REJECTED):
            (root / name).mkdir(parents=True, exist_ok=True)
        _requeue_stale_claims(root)
        candidates = _candidates(root)
    except OSError as exc:
        result.errors.append(f"{root}: {exc}")
        return result
    for path in candidates:
        try:
            claimed = _claim(path, root / PROCESSING)
        except OSError as exc:
            result.errors.append(f"{path.name}: {exc}")
            continue
        if claimed is None:
            continue
        try:
            inbound = mail_receive(raw=claimed.read_bytes(), source=InboundEmail.Source.DROP)
        except Exception as exc:  # noqa: BLE001 — our own trouble (the database): left claimed, read again later
            logger.exception("mail drop: %s could not be taken in", path.name)
            result.errors.append(f"{path.name}: {type(exc).__name__}: {exc}")
            continue
        try:
            if _file_away(claimed, root, inbound):
                result.rejected += 1
            else:
                result.processed += 1
        except (
            OSError
        ) as exc:  # stored already; the claim's timeout brings it back and its Message-ID is known
            result.errors.append(f"{path.name}: {exc}")
    return result
