"""Helpers shared by test_imap_commands.py and test_imap_hostile.py: a
modified UTF-7 encoder (RFC 3501 sec. 5.1.3), a parser for the data imaplib
hands back (nested lists, literals kept as bytes), a raw line client, and
Maildir fixtures with chosen flags and INTERNALDATEs."""
import base64
import calendar
import imaplib
import os
import re
import socket
import ssl
import time

import lbenv

for _c in ("ID", "NAMESPACE", "ENABLE", "GETQUOTAROOT", "GETQUOTA", "SETQUOTA",
           "UNSELECT", "IDLE", "MOVE"):
    imaplib.Commands.setdefault(_c, ("NONAUTH", "AUTH", "SELECTED"))


def mutf7(s):
    """Encode a mailbox name into modified UTF-7 (RFC 3501 sec. 5.1.3)."""
    out = []
    run = []

    def flush():
        if run:
            b = base64.b64encode("".join(run).encode("utf-16-be")).rstrip(b"=")
            out.append("&" + b.decode().replace("/", ",") + "-")
            del run[:]
    for ch in s:
        if 0x20 <= ord(ch) <= 0x7e:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(s):
    out = []
    i = 0
    while i < len(s):
        if s[i] == "&":
            j = s.index("-", i)
            if j == i + 1:
                out.append("&")
            else:
                b = s[i + 1:j].replace(",", "/")
                b += "=" * (-len(b) % 4)
                out.append(base64.b64decode(b).decode("utf-16-be"))
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


# --- parsing what imaplib returns -------------------------------------------
class Atom(str):
    """An atom or number (strings come back as bytes, NIL as None)."""


def _tokenize(text, out):
    i, n = 0, len(text)
    while i < n:
        c = text[i:i + 1]
        if c in (b" ", b"\r", b"\n"):
            i += 1
        elif c in (b"(", b")"):
            out.append(c.decode())
            i += 1
        elif c == b'"':
            j = i + 1
            buf = bytearray()
            while text[j:j + 1] != b'"':
                if text[j:j + 1] == b"\\":
                    j += 1
                buf += text[j:j + 1]
                j += 1
            out.append(bytes(buf))
            i = j + 1
        else:
            j, depth = i, 0
            while j < n:
                ch = text[j:j + 1]
                if ch == b"[":
                    depth += 1
                elif ch == b"]":
                    depth -= 1
                elif depth == 0 and ch in (b" ", b"(", b")", b"\r", b"\n"):
                    break
                j += 1
            a = text[i:j].decode("latin-1")
            out.append(None if a.upper() == "NIL" else Atom(a))
            i = j


def tokens(data):
    """Tokens of imaplib response data: a list of bytes and (prefix, literal)
    tuples; a literal is a bytes token."""
    out = []
    if isinstance(data, (bytes, tuple)):
        data = [data]
    for d in data:
        if d is None:
            continue
        if isinstance(d, tuple):
            pre = re.sub(rb"\{\d+\+?\}$", b"", d[0])
            _tokenize(pre, out)
            out.append(bytes(d[1]))
        else:
            _tokenize(d, out)
    return out


def sexp(data):
    """imaplib data parsed into a list of top-level items (lists nested)."""
    toks = tokens(data)
    stack = [[]]
    for t in toks:
        if t == "(" and not isinstance(t, Atom) and not isinstance(t, bytes):
            stack.append([])
        elif t == ")" and not isinstance(t, Atom) and not isinstance(t, bytes):
            lst = stack.pop()
            stack[-1].append(lst)
        else:
            stack[-1].append(t)
    assert len(stack) == 1, "unbalanced: %r" % (data,)
    return stack[0]


def fetch_dict(data):
    """imaplib FETCH data -> {seq: {ITEM-NAME-UPPER: value}}."""
    items = sexp(data)
    out = {}
    i = 0
    while i + 1 < len(items):
        seq, lst = int(items[i]), items[i + 1]
        d = out.setdefault(seq, {})
        for k in range(0, len(lst), 2):
            d[str(lst[k]).upper()] = lst[k + 1]
        i += 2
    return out


def crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# --- raw connections ---------------------------------------------------------
class Raw:
    """A line-oriented raw IMAP client for exact protocol checks."""

    def __init__(self, port, timeout=20, tls=False):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls:
            c = ssl.create_default_context()
            c.check_hostname = False
            c.verify_mode = ssl.CERT_NONE
            self.s = c.wrap_socket(self.s)
        self.f = self.s.makefile("rb")

    def send(self, b):
        self.s.sendall(b)

    def line(self):
        try:
            return self.f.readline()
        except (ConnectionResetError, socket.timeout, TimeoutError):
            return b""

    def until(self, tag):
        """Lines up to and including the tagged response for tag (or EOF)."""
        out = []
        while True:
            ln = self.line()
            out.append(ln)
            if ln == b"" or ln.startswith(tag + b" "):
                return out

    def cmd(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def login(self, user="lbalice"):
        self.line()
        r = self.cmd(b"L1", b'LOGIN %s "%s"' % (user.encode(), lbenv.PASSWORD.encode()))
        assert r[-1].startswith(b"L1 OK"), r
        return r

    def close(self):
        # The makefile() object holds the descriptor open: close both,
        # or the server never sees the connection end.
        for x in (self.f, self.s):
            try:
                x.close()
            except OSError:
                pass


# --- fixtures -----------------------------------------------------------------
def utc(y, mo, d, h=12, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))


def put_messages(env, user, msgs, folder=None, fresh=True):
    """Write messages into user's Maildir (INBOX or .folder): each one is
    (bytes, flags, mtime); flags None puts it in new/.  Returns the file
    names in order."""
    md = env.maildir(user)
    if fresh and folder is None:
        env.reset_maildir(user, [])
    pw = env.user(user)
    d = md if folder is None else os.path.join(md, "." + folder)
    if folder is not None:
        for sub in ("", "tmp", "new", "cur"):
            os.makedirs(os.path.join(d, sub), 0o700, exist_ok=True)
            os.chown(os.path.join(d, sub), pw.pw_uid, pw.pw_gid)
        open(os.path.join(d, "maildirfolder"), "w").close()
        os.chown(os.path.join(d, "maildirfolder"), pw.pw_uid, pw.pw_gid)
    names = []
    for i, (body, flags, mtime) in enumerate(msgs):
        base = "%d.M%dP%d.test,S=%d" % (mtime, i, os.getpid(), len(body))
        if flags is None:
            path = os.path.join(d, "new", base)
        else:
            path = os.path.join(d, "cur", base + ":2," + flags)
        with open(path, "wb") as f:
            f.write(body)
        os.chown(path, pw.pw_uid, pw.pw_gid)
        os.utime(path, (mtime, mtime))
        names.append(path)
    return names


def disk_flags(env, user, folder=None):
    """{base name: flags} of the messages on disk, new/ ones with None."""
    md = env.maildir(user)
    d = md if folder is None else os.path.join(md, "." + folder)
    out = {}
    for sub in ("new", "cur"):
        for n in os.listdir(os.path.join(d, sub)):
            base, sep, fl = n.partition(":2,")
            out[base] = fl if sep else None
    return out


def no_seccomp_kill(testcase):
    text = lbenv.syslog_text()
    if text is not None:
        testcase.assertNotIn("killed by seccomp", text)


class IMAP(imaplib.IMAP4):
    """imaplib that returns BAD instead of raising, and lets a test send a
    command in a state imaplib thinks wrong (the server is what we test)."""

    def _command(self, name, *args):
        st = self.state
        allowed = imaplib.Commands.get(name, ())
        if not allowed or st in allowed:
            return super()._command(name, *args)
        self.state = allowed[-1]
        try:
            return super()._command(name, *args)
        finally:
            self.state = st

    def _command_complete(self, name, tag):
        try:
            return super()._command_complete(name, tag)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as e:
            if "command error: BAD" in str(e):
                return "BAD", [str(e).encode()]
            raise
