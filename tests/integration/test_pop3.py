"""pop3d end to end: real xinetd, real PAM, real chroot/setuid/seccomp.

Clients: Python poplib, raw sockets (hostile input, pipelining), curl, and
fetchmail.  Each test sets up the Maildir it needs.
"""
import base64
import os
import poplib
import shutil
import socket
import ssl
import subprocess
import time
import unittest

import lbenv

MSG1 = (b"From: Alice <alice@example.org>\nTo: bob@example.org\n"
        b"Subject: hello\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n"
        b"first line\n.starts with a dot\n..two dots\n.\nlast line\n")
MSG2_KOI8 = ("From: =?koi8-r?B?5MXE?= <ded@example.ru>\nTo: bob@example.org\n"
             "Subject: =?koi8-r?B?8NLJ18XU?=\nMIME-Version: 1.0\n"
             "Content-Type: text/plain; charset=koi8-r\n"
             "Content-Transfer-Encoding: 8bit\n\n").encode() + \
    "Привет, мир!\nВторая строка.\n".encode("koi8-r")
MSG3_CRLF = b"Subject: crlf\r\n\r\nline one\r\nline two\r\n"
MSG4_NOEOL = b"Subject: no final newline\n\nbody without newline"


def crlf(b):
    """The message as POP3 serves it: CRLF line ends."""
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


class Raw:
    """A line-oriented raw client for exact protocol checks."""

    def __init__(self, port, timeout=20):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.f = self.s.makefile("rb")

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        return self.f.readline()

    def multi(self):
        out = []
        while True:
            ln = self.f.readline()
            if ln in (b".\r\n", b""):
                return out
            out.append(ln)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


@unittest.skipUnless(lbenv.IS_ROOT, "needs root: real PAM, chroot, setuid, seccomp")
class Pop3Test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["pop3"]
        cls.sport = cls.env.ports["pop3s"]

    def setUp(self):
        self.env.reset_maildir("lbalice", [MSG1, MSG2_KOI8, MSG3_CRLF, MSG4_NOEOL])

    def login(self, user="lbalice"):
        p = poplib.POP3("127.0.0.1", self.port, timeout=20)
        p.user(user)
        p.pass_(lbenv.PASSWORD)
        return p

    # --- RFC 1939 commands ----------------------------------------------
    def test_stat_list_uidl_retr_sizes(self):
        p = self.login()
        msgs = [MSG1, MSG2_KOI8, MSG3_CRLF, MSG4_NOEOL]
        sizes = [len(crlf(m)) for m in msgs]
        self.assertEqual(p.stat(), (4, sum(sizes)))
        resp, lines, _ = p.list()
        self.assertEqual([ln.split() for ln in lines],
                         [[str(i + 1).encode(), str(s).encode()] for i, s in enumerate(sizes)])
        self.assertEqual(p.list(2), ("+OK 2 %d" % sizes[1]).encode())
        for i, m in enumerate(msgs):
            resp, lines, octets = p.retr(i + 1)
            self.assertTrue(resp.startswith(b"+OK %d octets" % sizes[i]), resp)
            # poplib removes the dot-stuffing and the line ends.
            body = b"\r\n".join(lines) + b"\r\n"
            self.assertEqual(body, crlf(m) if m.endswith(b"\n") else crlf(m) + b"\r\n")
        uidls = [ln.split()[1] for ln in p.uidl()[1]]
        names = self.env.files("lbalice")
        self.assertEqual(len(set(uidls)), 4)
        for u in uidls:
            self.assertTrue(any(n.startswith(u.decode()) for n in names), (u, names))
        p.quit()

    def test_byte_stuffing_on_the_wire(self):
        r = Raw(self.port)
        r.line()
        r.send(b"USER lbalice\r\nPASS %s\r\n" % lbenv.PASSWORD.encode())
        r.line()
        self.assertTrue(r.line().startswith(b"+OK"))
        r.send(b"RETR 1\r\n")
        self.assertEqual(r.line(), b"+OK %d octets\r\n" % len(crlf(MSG1)))
        body = r.multi()
        self.assertIn(b"..starts with a dot\r\n", body)
        self.assertIn(b"...two dots\r\n", body)
        self.assertIn(b"..\r\n", body)
        r.send(b"RETR 4\r\n")
        r.line()
        body = r.multi()
        self.assertEqual(body[-1], b"body without newline\r\n")
        r.send(b"QUIT\r\n")
        self.assertTrue(r.line().startswith(b"+OK"))
        r.close()

    def test_top(self):
        p = self.login()
        resp, lines, _ = p.top(1, 2)
        self.assertEqual(lines[-3:], [b"", b"first line", b".starts with a dot"])
        resp, lines, _ = p.top(1, 0)
        self.assertEqual(lines[-1], b"")
        self.assertIn(b"Subject: hello", lines)
        p.quit()
        self.assertTrue(all(":2," not in n or "S" not in n.split(":2,")[1]
                            for n in self.env.files("lbalice")), "TOP must not mark seen")

    def test_dele_rset_quit(self):
        p = self.login()
        p.dele(1)
        with self.assertRaises(poplib.error_proto):
            p.retr(1)
        with self.assertRaises(poplib.error_proto):
            p.dele(1)
        self.assertEqual(p.stat()[0], 3)
        p.rset()
        self.assertEqual(p.stat()[0], 4)
        p.dele(2)
        p.dele(3)
        self.assertEqual(len(self.env.files("lbalice")), 4, "nothing deleted before QUIT")
        p.quit()
        self.assertEqual(len(self.env.files("lbalice")), 2)

    def test_dropped_connection_deletes_nothing(self):
        p = self.login()
        p.dele(1)
        p.dele(2)
        p.sock.close()
        time.sleep(0.5)
        self.assertEqual(len(self.env.files("lbalice")), 4)

    def test_retr_marks_seen(self):
        p = self.login()
        p.retr(2)
        p.quit()
        seen = [n for n in self.env.files("lbalice", "cur") if n.endswith(":2,S")]
        self.assertEqual(len(seen), 1)

    def test_expunged_by_another_session(self):
        a = self.login()
        b = self.login()
        b.dele(1)
        b.quit()
        with self.assertRaises(poplib.error_proto) as cm:
            a.retr(1)
        self.assertIn(b"deleted by another session", cm.exception.args[0])
        a.retr(2)
        a.quit()

    def test_bad_message_numbers(self):
        p = self.login()
        for arg in ("0", "5", "4294967297", "-1", "1x", "01x"):
            with self.assertRaises(poplib.error_proto):
                p._shortcmd("LIST " + arg)
        p.quit()

    def test_capa(self):
        p = poplib.POP3("127.0.0.1", self.port, timeout=20)
        caps = p.capa()
        for c in ("TOP", "USER", "UIDL", "SASL", "RESP-CODES", "AUTH-RESP-CODE",
                  "PIPELINING", "STLS"):
            self.assertIn(c, caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        p.user("lbalice")
        p.pass_(lbenv.PASSWORD)
        caps = p.capa()
        self.assertNotIn("STLS", caps)
        self.assertNotIn("USER", caps)
        p.quit()

    def test_pipelining(self):
        r = Raw(self.port)
        r.line()
        r.send(b"CAPA\r\nUSER lbalice\r\nPASS %s\r\nSTAT\r\nLIST\r\nUIDL 1\r\nNOOP\r\nQUIT\r\n"
               % lbenv.PASSWORD.encode())
        self.assertTrue(r.line().startswith(b"+OK"))
        r.multi()
        self.assertTrue(r.line().startswith(b"+OK"))          # USER
        self.assertTrue(r.line().startswith(b"+OK Logged in"))  # PASS
        self.assertTrue(r.line().startswith(b"+OK 4 "))       # STAT
        r.line()
        self.assertEqual(len(r.multi()), 4)                   # LIST
        self.assertTrue(r.line().startswith(b"+OK 1 "))       # UIDL 1
        self.assertEqual(r.line(), b"+OK\r\n")                # NOOP
        self.assertTrue(r.line().startswith(b"+OK"))          # QUIT
        r.close()

    # --- authentication -----------------------------------------------
    def test_auth_plain_initial_response(self):
        r = Raw(self.port)
        r.line()
        tok = base64.b64encode(b"\0lbalice\0" + lbenv.PASSWORD.encode())
        r.send(b"AUTH PLAIN " + tok + b"\r\nSTAT\r\nQUIT\r\n")
        self.assertTrue(r.line().startswith(b"+OK Logged in"))
        self.assertTrue(r.line().startswith(b"+OK 4 "))
        r.close()

    def test_auth_plain_continuation_and_cancel(self):
        r = Raw(self.port)
        r.line()
        r.send(b"AUTH PLAIN\r\n")
        self.assertEqual(r.line(), b"+ \r\n")
        r.send(b"*\r\n")
        self.assertTrue(r.line().startswith(b"-ERR"))
        r.send(b"AUTH PLAIN\r\n")
        r.line()
        tok = base64.b64encode(b"lbalice\0lbalice\0" + lbenv.PASSWORD.encode())
        r.send(tok + b"\r\n")
        self.assertTrue(r.line().startswith(b"+OK Logged in"))
        r.close()

    def test_auth_plain_other_authzid_refused(self):
        r = Raw(self.port)
        r.line()
        tok = base64.b64encode(b"lbbob\0lbalice\0" + lbenv.PASSWORD.encode())
        r.send(b"AUTH PLAIN " + tok + b"\r\n")
        self.assertTrue(r.line().startswith(b"-ERR [AUTH]"))
        r.close()

    def test_wrong_password_four_times(self):
        r = Raw(self.port, timeout=30)
        r.line()
        answers = []
        for i in range(4):
            try:
                r.send(b"USER lbalice\r\n")
                u = r.line()
                r.send(b"PASS wrong%d\r\n" % i)
                answers.append((u, r.line()))
            except OSError:
                answers.append((b"", b""))
        self.assertTrue(answers[0][1].startswith(b"-ERR [AUTH] Authentication failed"))
        self.assertTrue(answers[1][1].startswith(b"-ERR [AUTH] Authentication failed"))
        self.assertIn(b"closing", answers[2][1])
        self.assertEqual(answers[3], (b"", b""), "connection closed after 3 failures")
        r.close()
        log = lbenv.syslog_text()
        if log is not None:
            self.assertIn("auth failed: user=lbalice rip=127.0.0.1 attempt=3", log)

    def test_root_and_low_uid_refused(self):
        r = Raw(self.port)
        r.line()
        r.send(b"USER root\r\nPASS %s\r\n" % lbenv.PASSWORD.encode())
        r.line()
        self.assertTrue(r.line().startswith(b"-ERR [AUTH]"))
        r.close()

    def test_expired_account_refused(self):
        self.env.reset_maildir("lbcarol", [MSG1])
        lbenv.run("chage", "-E", "0", "lbcarol")
        try:
            with self.assertRaises(poplib.error_proto):
                self.login("lbcarol")
        finally:
            lbenv.run("chage", "-E", "-1", "lbcarol")
        self.login("lbcarol").quit()

    def test_missing_maildir(self):
        self.env.reset_maildir("lbbob", create=False)
        with self.assertRaises(poplib.error_proto) as cm:
            self.login("lbbob")
        self.assertIn(b"missing", cm.exception.args[0])

    def test_plaintext_refused_without_tls(self):
        port = self.env.ports["pop3never"]
        p = poplib.POP3("127.0.0.1", port, timeout=20)
        caps = p.capa()
        self.assertNotIn("USER", caps)
        self.assertIn("STLS", caps)
        with self.assertRaises(poplib.error_proto):
            p.user("lbalice")
        p.stls(context=ctx())
        self.assertIn("USER", p.capa())
        p.user("lbalice")
        p.pass_(lbenv.PASSWORD)
        self.assertEqual(p.stat()[0], 4)
        p.quit()

    # --- TLS --------------------------------------------------------------
    def test_stls(self):
        p = poplib.POP3("127.0.0.1", self.port, timeout=20)
        p.stls(context=ctx())
        p.user("lbalice")
        p.pass_(lbenv.PASSWORD)
        self.assertEqual(p.stat()[0], 4)
        resp, lines, _ = p.retr(2)
        self.assertIn("Привет, мир!".encode("koi8-r"), lines)
        p.quit()

    def test_pop3s(self):
        p = poplib.POP3_SSL("127.0.0.1", self.sport, timeout=20, context=ctx())
        self.assertTrue(p.getwelcome().startswith(b"+OK"))
        self.assertNotIn("STLS", p.capa())
        p.user("lbalice")
        p.pass_(lbenv.PASSWORD)
        self.assertEqual(p.stat()[0], 4)
        self.assertEqual(len(p.uidl()[1]), 4)
        p.quit()

    def test_tls_relay_heavy_pipelining(self):
        """Many pipelined commands with large output over TLS: the relay
        must keep both directions moving (it once deadlocked).  One thread
        pumps both directions (an SSL socket is not thread-safe)."""
        import select
        self.env.reset_maildir("lbalice", [b"Subject: s\n\nsmall\n"])
        t = ctx().wrap_socket(socket.create_connection(("127.0.0.1", self.sport), timeout=60))
        f = t.makefile("rb")
        f.readline()
        t.sendall(b"USER lbalice\r\nPASS %s\r\n" % lbenv.PASSWORD.encode())
        f.readline()
        self.assertTrue(f.readline().startswith(b"+OK"))
        n = 20000
        out = b"RETR 1\r\n" * n + b"QUIT\r\n"
        got = bytearray()
        t.setblocking(False)
        deadline = time.time() + 120
        while time.time() < deadline:
            r, w, _ = select.select([t], [t] if out else [], [], 10)
            if w:
                try:
                    out = out[t.send(out[:16384]):]
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            if r or t.pending():
                try:
                    data = t.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    continue
                if not data:
                    break
                got += data
                if got.endswith(b"signing off (0 messages deleted)\r\n"):
                    break
        t.close()
        self.assertEqual(out, b"", "the server stopped reading")
        self.assertEqual(got.count(b"+OK 21 octets\r\n"), n)

    def test_stls_injection_discarded(self):
        r = Raw(self.port)
        r.line()
        r.send(b"STLS\r\nCAPA\r\n")
        self.assertTrue(r.line().startswith(b"+OK"))
        t = ctx().wrap_socket(r.s, server_hostname="localhost")
        t.settimeout(2)
        # The CAPA sent in plain text must not be answered inside TLS.
        with self.assertRaises((socket.timeout, TimeoutError)):
            t.recv(100)
        t.settimeout(20)
        t.sendall(b"NOOP\r\n")
        self.assertTrue(t.recv(100).startswith(b"-ERR"))
        t.close()

    # --- hostile input ------------------------------------------------
    def test_long_line(self):
        r = Raw(self.port)
        r.line()
        try:
            r.send(b"USER " + b"a" * 100000 + b"\r\n")
        except OSError:
            pass
        self.assertTrue(r.line().startswith(b"-ERR Line too long"))
        try:
            rest = r.line()
        except ConnectionResetError:   # we left input unread: RST
            rest = b""
        self.assertEqual(rest, b"", "the connection is closed")
        r.close()

    def test_nul_and_wrong_state(self):
        r = Raw(self.port)
        r.line()
        r.send(b"US\0ER lbalice\r\n")
        self.assertTrue(r.line().startswith(b"-ERR Invalid"))
        for cmd in (b"RETR 1", b"STAT", b"DELE 1", b"PASS x", b"XYZZY", b"NOOP"):
            r.send(cmd + b"\r\n")
            self.assertTrue(r.line().startswith(b"-ERR"), cmd)
        r.send(b"USER lbalice\r\nPASS %s\r\n" % lbenv.PASSWORD.encode())
        r.line()
        self.assertTrue(r.line().startswith(b"+OK"))
        for cmd in (b"USER x", b"PASS y", b"STLS", b"RETR", b"TOP 1", b"LIST 1 2", b"FOO"):
            r.send(cmd + b"\r\n")
            self.assertTrue(r.line().startswith(b"-ERR"), cmd)
        r.send(b"ST\0AT\r\nSTAT\r\n")
        self.assertTrue(r.line().startswith(b"-ERR"))
        self.assertTrue(r.line().startswith(b"+OK 4 "))
        r.close()

    # --- other clients ------------------------------------------------
    def test_curl(self):
        url = "pop3://127.0.0.1:%d/1" % self.port
        out = lbenv.run("curl", "-sS", "--user", "lbalice:" + lbenv.PASSWORD, url).stdout
        self.assertEqual(out, crlf(MSG1))
        url = "pop3s://127.0.0.1:%d/3" % self.sport
        out = lbenv.run("curl", "-sS", "-k", "--user", "lbalice:" + lbenv.PASSWORD, url).stdout
        self.assertEqual(out, crlf(MSG3_CRLF))
        url = "pop3://127.0.0.1:%d/" % self.port
        out = lbenv.run("curl", "-sS", "--ssl-reqd", "-k", "--user",
                        "lbalice:" + lbenv.PASSWORD, url).stdout
        self.assertEqual(len(out.splitlines()), 4)

    def test_fetchmail(self):
        out_dir = os.path.join(self.env.dir, "fetched")
        shutil.rmtree(out_dir, ignore_errors=True)
        os.mkdir(out_dir)
        rc = os.path.join(self.env.dir, "fetchmailrc")
        with open(rc, "w") as f:
            f.write('poll 127.0.0.1 service %d protocol pop3 auth password\n'
                    '  user "lbalice" password "%s" is root here\n'
                    '  sslproto "" no keep\n'
                    '  mda "/bin/sh -c \'cat > %s/msg.$$\'"\n'
                    % (self.port, lbenv.PASSWORD, out_dir))
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=self.env.dir, FETCHMAILHOME=self.env.dir)
        p = subprocess.run(["fetchmail", "--nodetach", "--nosyslog", "-f", rc],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertEqual(len(os.listdir(out_dir)), 4)
        self.assertEqual(self.env.files("lbalice"), [], "fetchmail deleted what it fetched")

    # --- confinement, from outside ------------------------------------
    def confined_procs(self, tls):
        if tls:
            p = poplib.POP3_SSL("127.0.0.1", self.sport, timeout=20, context=ctx())
        else:
            p = poplib.POP3("127.0.0.1", self.port, timeout=20)
        p.user("lbalice")
        p.pass_(lbenv.PASSWORD)
        p.stat()
        pw = self.env.user("lbalice")
        net = lbenv.user_uid(lbenv.NET_USER)
        found = {}
        for pid in lbenv.procs_of("pop3d"):
            try:
                st = lbenv.status(pid)
                root = os.readlink("/proc/%d/root" % pid)
            except OSError:
                continue
            uid = int(st["Uid"].split()[0])
            found.setdefault(uid, []).append((pid, st, root))
        return p, pw, net, found

    def test_confinement_from_outside(self):
        for tls in (False, True):
            p, pw, net, found = self.confined_procs(tls)
            try:
                self.assertIn(pw.pw_uid, found, "no session child running as the user")
                sess = [x for x in found[pw.pw_uid] if x[2] == self.env.maildir("lbalice")]
                self.assertEqual(len(sess), 1, found[pw.pw_uid])
                _, st, _ = sess[0]
                self.assertEqual(st["Uid"].split(), [str(pw.pw_uid)] * 4)
                self.assertEqual(st["Gid"].split()[0], str(pw.pw_gid))
                self.assertEqual(st["Seccomp"], "2")
                self.assertEqual(st["NoNewPrivs"], "1")
                if tls:
                    # The TLS relay: the network child, still alive.
                    self.assertIn(net, found)
                    relay = found[net][0]
                    self.assertEqual(relay[2], self.env.empty)
                    self.assertEqual(relay[1]["Seccomp"], "2")
                    self.assertEqual(relay[1]["Uid"].split(), [str(net)] * 4)
            finally:
                p.quit()

    def test_network_child_confined_before_login(self):
        r = Raw(self.port)
        r.line()
        net = lbenv.user_uid(lbenv.NET_USER)
        kids = []
        for pid in lbenv.procs_of("pop3d"):
            try:
                st = lbenv.status(pid)
                if int(st["Uid"].split()[0]) == net:
                    kids.append((st, os.readlink("/proc/%d/root" % pid)))
            except OSError:
                pass
        r.close()
        self.assertTrue(kids)
        for st, root in kids:
            self.assertEqual(root, self.env.empty)
            self.assertEqual(st["Seccomp"], "2")
            self.assertEqual(st["NoNewPrivs"], "1")



if __name__ == "__main__":
    unittest.main()
