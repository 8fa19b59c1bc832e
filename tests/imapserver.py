"""A real IMAP server on loopback for the e-mail tests: Debian's dovecot, started from a generated config.

One dovecot per test session (its own temp dir: config, base_dir, log, passwd-file, Maildirs), listening on
127.0.0.1 at a free port, plaintext login without TLS. `imap_server` (function-scoped) empties every mailbox
first and makes sure the server is up. `imap_server.stop()` leaves the port closed (connection refused, and
open sessions are cut), `imap_server.start()` brings it back on the same port. `append(user, raw)` puts a
message in a folder, `fetch_all(user)` reads the raw messages back, `flags(user)` each UID's flags,
`renumber(user)` gives a folder a new UIDVALIDITY (as a server restored from backup does).

The users: SUPPORT (support@brightcart.test, the program's mailbox) and CUSTOMER (customer@example.test);
`imap_server.settings(user)` is the `imap=` dict of tests.channels.factories.mailbox_program.

Without the dovecot binary (package dovecot-imapd) the tests that need it are skipped, or fail when
FLEXDESK_REQUIRE_MAIL_SERVERS=1 (CI), so a missing server never passes silently there.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SUPPORT = "support@brightcart.test"
CUSTOMER = "customer@example.test"
USERS = {SUPPORT: "support-imap-secret", CUSTOMER: "customer-imap-secret"}

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
shutdown_clients = yes
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_max_userip_connections = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def dovecot_binary() -> str | None:
    return shutil.which(
        "dovecot", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The processes `pid` started (dovecot's imap sessions among them), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def mail_servers_unavailable(reason: str):
    """Skip, or fail when the run must prove the mail round trip (FLEXDESK_REQUIRE_MAIL_SERVERS=1)."""
    if os.environ.get("FLEXDESK_REQUIRE_MAIL_SERVERS") == "1":
        pytest.fail(f"{reason} (FLEXDESK_REQUIRE_MAIL_SERVERS=1)", pytrace=False)
    pytest.skip(reason)


class ImapServer:
    host = "127.0.0.1"

    def __init__(self, binary: str, users: dict[str, str] | None = None):
        self.binary = binary
        self.users = dict(users or USERS)
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="flexdesk-dovecot-"))
        self._process: subprocess.Popen | None = None
        self._failures_seen = 0
        # Dovecot never gives mail to root: as root its processes run as the package's system users
        # (dovecot/dovenull) and the Maildirs belong to `dovecot`; anyone else runs everything as themselves.
        if os.geteuid() == 0:
            internal, login, mail = "dovecot", "dovenull", "dovecot"
        else:
            internal = login = mail = getpass.getuser()
        self._mail_owner = pwd.getpwnam(mail)
        self.root.chmod(0o755)
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", self._mail_owner.pw_uid, self._mail_owner.pw_gid)
        (self.root / "users").write_text(
            "".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self.users.items())
        )
        (self.root / "dovecot.conf").write_text(
            _CONFIG.format(
                root=self.root,
                port=self.port,
                internal_user=internal,
                login_user=login,
                mail_user=mail,
                mail_group=self._mail_owner.pw_gid,
            )
        )

    # --- the server ------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self):
        if self.running:
            return
        self._process = subprocess.Popen(  # noqa: S603 — our own binary and config
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"dovecot did not start: {self._process.stderr.read().decode()}\n{self.log()}"
                )
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on {self.host}:{self.port}\n{self.log()}")

    def stop(self):
        """Down: the master and every session end, the port answers 'connection refused'."""
        if self._process is None:
            return
        if self._process.poll() is None:
            # dovecot's master leaves running sessions alive when it stops; a server that goes down cuts them
            sessions = _children(self._process.pid)
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            for pid in sessions:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self._process.stderr.close()
        self._process = None

    def close(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- mailboxes -------------------------------------------------------------------------------------

    def settings(self, user: str = SUPPORT) -> dict:
        return {"host": self.host, "port": self.port, "user": user, "password": self.users[user]}

    def user_for(self, address: str) -> str | None:
        """The mailbox a message to `address` is delivered to (support+token@… goes to support@…)."""
        local, _, domain = address.strip().strip("<>").lower().partition("@")
        user = f"{local.partition('+')[0]}@{domain}"
        return user if user in self.users else None

    def login(self, user: str = SUPPORT, folder: str = "INBOX"):
        from imap_tools import MailBoxUnencrypted

        if self.running:
            self._forgive_failed_logins()
            self.start()
        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(user, self.users[user], folder)

    def append(self, user: str, raw: bytes, *, folder: str = "INBOX", flags: tuple[str, ...] = ()) -> int:
        """Put one message into `user`'s folder; its UID."""
        with self.login(user, folder) as mailbox:
            if folder != "INBOX" and not mailbox.folder.exists(folder):
                mailbox.folder.create(folder)
            typ, data = mailbox.client.append(folder, f"({' '.join(flags)})" if flags else None, None, raw)
            assert typ == "OK", data
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            return int(found.group(1)) if found else 0

    def append_many(self, user: str, raws, *, folder: str = "INBOX") -> int:
        """Many messages over one session (the benchmark's 1,000)."""
        count = 0
        with self.login(user, folder) as mailbox:
            for raw in raws:
                typ, data = mailbox.client.append(folder, None, None, raw)
                assert typ == "OK", data
                count += 1
        return count

    def _fetch(self, user: str, folder: str, items: str) -> list[tuple[int, bytes]]:
        with self.login(user, folder) as mailbox:
            typ, data = mailbox.client.uid("FETCH", "1:*", items)
        assert typ == "OK", data
        found = []
        for part in data:
            if isinstance(part, tuple):
                uid = int(re.search(rb"UID (\d+)", part[0]).group(1))
                found.append((uid, part[1]))
        return sorted(found)

    def fetch_all(self, user: str = SUPPORT, *, folder: str = "INBOX") -> list[bytes]:
        """Every message in the folder, raw, in UID order (without marking them seen)."""
        if not self.count(user, folder=folder):
            return []
        return [raw for _uid, raw in self._fetch(user, folder, "(UID BODY.PEEK[])")]

    def count(self, user: str = SUPPORT, *, folder: str = "INBOX") -> int:
        with self.login(user, folder) as mailbox:
            return int(mailbox.folder.status(folder, ["MESSAGES"])["MESSAGES"])

    def flags(self, user: str = SUPPORT, *, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's flags by UID."""
        with self.login(user, folder) as mailbox:
            typ, data = mailbox.client.uid("FETCH", "1:*", "(UID FLAGS)")
        found = {}
        for line in data:
            if isinstance(line, bytes) and b"UID" in line:
                uid = int(re.search(rb"UID (\d+)", line).group(1))
                flags = re.search(rb"FLAGS \(([^)]*)\)", line).group(1).decode()
                found[uid] = set(flags.split()) - {"\\Recent"}
        return found

    def uid_validity(self, user: str = SUPPORT, *, folder: str = "INBOX") -> int:
        with self.login(user, folder) as mailbox:
            return int(mailbox.folder.status(folder, ["UIDVALIDITY"])["UIDVALIDITY"])

    def renumber(self, user: str = SUPPORT):
        """A new UIDVALIDITY for the user's INBOX, its messages numbered again from 1 (a mailbox restored from a
        backup or moved to another server): the server forgets its UID list and indexes while it is down."""
        was_running = self.running
        self.stop()
        box = self.root / "mail" / user
        for path in list(box.glob("dovecot*")):
            if path.is_file():
                path.unlink()
        if was_running:
            self.start()

    def _forgive_failed_logins(self):
        """Dovecot slows down logins from an address after a wrong password (its auth penalty, seconds); a test
        that tried one leaves the next test a fresh server."""
        failures = self.log().count("Password mismatch")
        if failures != self._failures_seen:
            self._failures_seen = failures
            self.stop()

    def empty(self):
        """Every user's mailbox without messages or folders of its own, the server running."""
        self._forgive_failed_logins()
        self.start()
        for user in self.users:
            with self.login(user) as mailbox:
                for folder in mailbox.folder.list():
                    if folder.name != "INBOX":
                        mailbox.folder.delete(folder.name)
                mailbox.client.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
                mailbox.client.expunge()


@pytest.fixture(scope="session")
def imap_server_session():
    binary = dovecot_binary()
    if binary is None:
        mail_servers_unavailable("needs dovecot (apt-get install dovecot-imapd) for the IMAP tests")
    server = ImapServer(binary)
    try:
        server.start()
    except RuntimeError as exc:
        server.close()
        mail_servers_unavailable(str(exc))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def imap_server(imap_server_session):
    imap_server_session.empty()
    return imap_server_session
