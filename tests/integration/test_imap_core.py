"""imapd end to end, the session core: login paths, TLS, SELECT, NOOP and
IDLE updates, APPEND, quotas, PREAUTH, hostile input and confinement.
Real xinetd, real PAM, real chroot/setuid/seccomp (see lbenv)."""
import imaplib
import os
import re
import socket
import ssl
import subprocess
import time
import unittest

import lbenv
from imaphelp import Raw

ROOT = lbenv.ROOT
MSG = b"From: a@example.org\nSubject: hello\n\nbody line\n"

for _c in ("ID", "NAMESPACE", "ENABLE", "GETQUOTAROOT", "GETQUOTA", "UNSELECT", "IDLE"):
    imaplib.Commands.setdefault(_c, ("NONAUTH", "AUTH", "SELECTED"))


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def have_imapd():
    return os.path.exists(os.path.join(ROOT, "imapd"))


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class ImapCoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]
        cls.sport = cls.env.ports["imaps"]

    def setUp(self):
        self.env.reset_maildir("lbalice", [MSG, MSG.replace(b"hello", b"second")])

    def imap(self, user="lbalice"):
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=20)
        m.login(user, lbenv.PASSWORD)
        return m

    def deliver(self, user, body):
        p = subprocess.run([os.path.join(ROOT, "maildir-deliver"), "-d", user],
                           input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)

    # --- login ----------------------------------------------------------
    def test_greeting_and_login_capabilities(self):
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=20)
        for c in ("IMAP4REV1", "STARTTLS", "AUTH=PLAIN", "AUTH=LOGIN", "SASL-IR", "LITERAL+"):
            self.assertIn(c, m.capabilities)
        typ, data = m.login("lbalice", lbenv.PASSWORD)
        self.assertEqual(typ, "OK")
        self.assertTrue(data[0].startswith(b"[CAPABILITY IMAP4rev1 "), data)
        for c in (b"IDLE", b"UIDPLUS", b"MOVE", b"NAMESPACE", b"APPENDLIMIT="):
            self.assertIn(c, data[0])
        m.logout()

    def test_authenticate_plain_ir_and_login_mechanism(self):
        r = Raw(self.port)
        r.line()
        import base64
        tok = base64.b64encode(b"\0lbalice\0" + lbenv.PASSWORD.encode())
        r.send(b"A1 AUTHENTICATE PLAIN " + tok + b"\r\nA2 NOOP\r\n")
        self.assertTrue(r.until(b"A1")[-1].startswith(b"A1 OK [CAPABILITY"))
        self.assertTrue(r.until(b"A2")[-1].startswith(b"A2 OK"))
        r.close()
        r = Raw(self.port)
        r.line()
        r.send(b"A1 AUTHENTICATE LOGIN\r\n")
        self.assertEqual(r.line(), b"+ VXNlcm5hbWU6\r\n")
        r.send(base64.b64encode(b"lbalice") + b"\r\n")
        self.assertEqual(r.line(), b"+ UGFzc3dvcmQ6\r\n")
        r.send(base64.b64encode(lbenv.PASSWORD.encode()) + b"\r\n")
        self.assertTrue(r.until(b"A1")[-1].startswith(b"A1 OK"))
        r.close()

    def test_wrong_password_and_closing(self):
        r = Raw(self.port, timeout=30)
        r.line()
        for i in range(3):
            r.send(b"A%d LOGIN lbalice wrong\r\n" % i)
            out = r.until(b"A%d" % i)
            self.assertIn(b"NO [AUTHENTICATIONFAILED]", out[-1])
        self.assertIn(b"* BYE", b"".join(out))
        self.assertEqual(r.line(), b"")
        r.close()

    def test_logindisabled_without_tls(self):
        m = imaplib.IMAP4("127.0.0.1", self.env.ports["imapnever"], timeout=20)
        self.assertIn("LOGINDISABLED", m.capabilities)
        self.assertNotIn("AUTH=PLAIN", m.capabilities)
        with self.assertRaises(imaplib.IMAP4.error) as cm:
            m.login("lbalice", lbenv.PASSWORD)
        self.assertIn("PRIVACYREQUIRED", str(cm.exception))
        m.starttls(ssl_context=ctx())
        self.assertEqual(m.login("lbalice", lbenv.PASSWORD)[0], "OK")
        m.logout()

    def test_imaps_and_starttls(self):
        m = imaplib.IMAP4_SSL("127.0.0.1", self.sport, ssl_context=ctx(), timeout=20)
        self.assertNotIn("STARTTLS", m.capabilities)
        m.login("lbalice", lbenv.PASSWORD)
        self.assertEqual(m.select("INBOX"), ("OK", [b"2"]))
        m.logout()
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=20)
        m.starttls(ssl_context=ctx())
        m.login("lbalice", lbenv.PASSWORD)
        self.assertEqual(m.select("INBOX")[0], "OK")
        m.logout()

    def test_alpn_other_protocol_refused(self):
        """ALPACA: a TLS client that asks for another protocol (HTTP) is
        refused; one that asks for imap, or for nothing, is served."""
        c = ctx()
        c.set_alpn_protocols(["http/1.1"])
        with self.assertRaises(ssl.SSLError):
            c.wrap_socket(socket.create_connection(("127.0.0.1", self.sport), timeout=20))
        c = ctx()
        c.set_alpn_protocols(["http/1.1", "imap"])
        t = c.wrap_socket(socket.create_connection(("127.0.0.1", self.sport), timeout=20))
        self.assertEqual(t.selected_alpn_protocol(), "imap")
        self.assertTrue(t.recv(100).startswith(b"* OK"))
        t.close()

    def test_starttls_injection_discarded(self):
        r = Raw(self.port)
        r.line()
        r.send(b"S1 STARTTLS\r\nS2 CAPABILITY\r\n")
        self.assertTrue(r.line().startswith(b"S1 OK"))
        t = ctx().wrap_socket(r.s)
        t.settimeout(2)
        with self.assertRaises((socket.timeout, TimeoutError)):
            t.recv(100)
        t.settimeout(20)
        t.sendall(b"S3 NOOP\r\n")
        self.assertTrue(t.recv(100).startswith(b"S3 OK"))
        t.close()

    def test_commands_before_login(self):
        r = Raw(self.port)
        r.line()
        for cmd in (b"SELECT INBOX", b"FETCH 1 FLAGS", b"LIST \"\" *", b"XYZZY"):
            r.send(b"T " + cmd + b"\r\n")
            self.assertTrue(r.line().startswith(b"T BAD"), cmd)
        r.send(b"T ID NIL\r\n")
        self.assertEqual(r.line(), b'* ID ("name" "letterbox")\r\n')
        r.close()

    # --- the selected state ---------------------------------------------
    def test_select_examine_responses(self):
        m = self.imap()
        typ, data = m.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"2"]))
        u = m.untagged_responses
        self.assertIn(b"\\Seen", u["FLAGS"][0])
        self.assertIn(b"\\*", u["PERMANENTFLAGS"][0])
        self.assertTrue(int(u["UIDVALIDITY"][0]) > 0)
        self.assertEqual(u["UIDNEXT"], [b"3"])
        self.assertIn("READ-WRITE", u)
        typ, data = m.select("INBOX", readonly=True)
        self.assertEqual(typ, "OK")
        self.assertIn("READ-ONLY", m.untagged_responses)
        typ, data = m.select("NoSuchBox")
        self.assertEqual(typ, "NO")
        self.assertIn(b"NONEXISTENT", data[0])
        m.logout()

    def test_noop_reports_new_mail(self):
        m = self.imap()
        m.select("INBOX")
        self.deliver("lbalice", b"Subject: new one\n\nx\n")
        m.untagged_responses.clear()
        typ, data = m.noop()
        self.assertEqual(m.untagged_responses.get("EXISTS"), [b"3"])
        m.logout()

    def test_idle_wakes_on_delivery(self):
        r = Raw(self.port)
        r.login()
        r.send(b"S SELECT INBOX\r\n")
        r.until(b"S")
        r.send(b"I IDLE\r\n")
        self.assertEqual(r.line(), b"+ idling\r\n")
        self.deliver("lbalice", b"Subject: pushed\n\nx\n")
        self.assertEqual(r.line(), b"* 3 EXISTS\r\n")
        # The first session to see a message has it \Recent: all three.
        self.assertEqual(r.line(), b"* 3 RECENT\r\n")
        r.send(b"DONE\r\n")
        self.assertEqual(r.line(), b"I OK Idle completed.\r\n")
        r.close()

    def test_idle_polls_without_inotify(self):
        """NFS, or the per-user inotify limit reached: IDLE falls back to
        polling the Maildir."""
        knob = "/proc/sys/fs/inotify/max_user_instances"
        with open(knob) as f:
            old = f.read().strip()
        with open(knob, "w") as f:
            f.write("0")
        try:
            r = Raw(self.port)
            r.login()
            r.send(b"S SELECT INBOX\r\n")
            r.until(b"S")
            r.send(b"I IDLE\r\n")
            self.assertEqual(r.line(), b"+ idling\r\n")
            self.deliver("lbalice", b"Subject: polled\n\nx\n")
            t0 = time.time()
            self.assertEqual(r.line(), b"* 3 EXISTS\r\n")
            self.assertLess(time.time() - t0, 15)
            r.send(b"DONE\r\n")
            r.line()
            self.assertEqual(r.line(), b"I OK Idle completed.\r\n")
            r.close()
        finally:
            with open(knob, "w") as f:
                f.write(old)

    def test_append(self):
        m = self.imap()
        m.select("INBOX")
        when = time.mktime((2025, 1, 2, 3, 4, 5, 0, 0, -1))
        typ, data = m.append("INBOX", r"(\Seen \Flagged)", imaplib.Time2Internaldate(when),
                             b"Subject: appended\r\n\r\nhello\r\n")
        self.assertEqual(typ, "OK")
        mt = re.match(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
        self.assertIsNotNone(mt, data)
        self.assertEqual(int(mt.group(2)), 3)
        cur = os.path.join(self.env.maildir("lbalice"), "cur")
        new = [f for f in os.listdir(cur) if f.endswith(":2,FS")]
        self.assertEqual(len(new), 1)
        st = os.stat(os.path.join(cur, new[0]))
        self.assertEqual(int(st.st_mtime), int(when), "INTERNALDATE kept as mtime")
        with open(os.path.join(cur, new[0]), "rb") as f:
            self.assertEqual(f.read(), b"Subject: appended\n\nhello\n", "stored with LF")
        typ, data = m.append("NoSuchBox", None, None, b"Subject: x\r\n\r\nx\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"TRYCREATE", data[0])
        m.logout()

    def test_append_too_big(self):
        r = Raw(self.port)
        r.login()
        r.send(b"A1 APPEND INBOX {999999999}\r\n")
        self.assertTrue(r.line().startswith(b"A1 NO [TOOBIG]"))
        r.send(b"A2 APPEND INBOX {5+}\r\nab\0cd\r\nA3 NOOP\r\n")
        self.assertTrue(r.until(b"A2")[-1].startswith(b"A2 OK"))
        self.assertTrue(r.until(b"A3")[-1].startswith(b"A3 OK"))
        r.close()

    def test_namespace_id_enable_quota(self):
        with open(os.path.join(self.env.maildir("lbalice"), "maildirsize"), "w") as f:
            f.write("1048576S,100C\n0 0\n")
        m = self.imap()
        self.assertEqual(m.namespace(), ("OK", [b'(("" ".")) NIL NIL']))
        typ, data = m._simple_command("ENABLE", "CONDSTORE")
        self.assertEqual(m.untagged_responses.get("ENABLED"), [b"CONDSTORE"])
        typ, data = m._simple_command("GETQUOTAROOT", "INBOX")
        self.assertEqual(typ, "OK")
        self.assertEqual(m.untagged_responses.get("QUOTAROOT"), [b'INBOX ""'])
        q = m.untagged_responses.get("QUOTA")[0]
        self.assertTrue(re.match(rb'"" \(STORAGE \d+ 1024 MESSAGE \d+ 100\)', q), q)
        m.logout()

    # --- PREAUTH --------------------------------------------------------
    def test_preauth_over_a_pipe(self):
        cmd = "runuser -u lbalice -- %s -f %s" % (lbenv.public_exe("imapd"), self.env.conf)
        m = imaplib.IMAP4_stream(cmd)
        self.assertTrue(m.welcome.startswith(b"* PREAUTH [CAPABILITY"), m.welcome)
        self.assertEqual(m.select("INBOX"), ("OK", [b"2"]))
        m.logout()

    # --- hostile input ----------------------------------------------------
    def test_hostile(self):
        r = Raw(self.port)
        r.login()
        r.send(b'H1 SELECT "IN\0BOX"\r\n')
        self.assertTrue(r.line().startswith(b"H1 BAD"))
        r.send(b"H2 ID " + b"(" * 10000 + b"\r\n")
        self.assertTrue(r.until(b"H2")[-1].startswith(b"H2 BAD"))
        r.send(b"H3 FETCH 1 FLAGS\r\n")
        self.assertTrue(r.line().startswith(b"H3 BAD"), "FETCH before SELECT")
        r.send(b"H4 FROBNICATE\r\n")
        self.assertTrue(r.line().startswith(b"H4 BAD"))
        # A command split across many tiny packets.
        for ch in b"H5 NOOP\r\n":
            r.send(bytes([ch]))
            time.sleep(0.01)
        self.assertTrue(r.line().startswith(b"H5 OK"))
        r.send(b"H6 NOOP " + b"x" * 100000 + b"\r\n")
        out = r.until(b"H6")
        self.assertTrue(any(ln.startswith(b"* BYE") for ln in out), out)
        r.close()

    # --- confinement, from outside ------------------------------------
    def test_session_confined(self):
        m = self.imap()
        m.select("INBOX")
        pw = self.env.user("lbalice")
        sess = []
        for pid in lbenv.procs_of("imapd"):
            try:
                st = lbenv.status(pid)
                if int(st["Uid"].split()[0]) == pw.pw_uid:
                    sess.append((st, os.readlink("/proc/%d/root" % pid)))
            except OSError:
                pass
        m.logout()
        self.assertEqual(len(sess), 1)
        st, root = sess[0]
        self.assertEqual(root, self.env.maildir("lbalice"))
        self.assertEqual(st["Seccomp"], "2")
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(st["Uid"].split(), [str(pw.pw_uid)] * 4)


if __name__ == "__main__":
    unittest.main()
