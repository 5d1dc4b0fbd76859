"""imapd against hostile input: every case must end in BAD, NO or BYE,
never a crash, a hang or a seccomp kill; afterwards the session (or, after
a BYE, a new connection) still works."""
import os
import socket
import subprocess
import threading
import time
import unittest

import lbenv
from imaphelp import IMAP, Raw, no_seccomp_kill, put_messages, utc

ROOT = lbenv.ROOT


def have_imapd():
    return os.path.exists(os.path.join(ROOT, "imapd"))


def nested_multipart(depth):
    out = [b"From: deep@example.org\nSubject: deep\nMIME-Version: 1.0\n"]
    for i in range(depth):
        out.append(b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (i, i))
    out.append(b"Content-Type: text/plain\n\ninnermost\n")
    for i in reversed(range(depth)):
        out.append(b"--b%d--\n" % i)
    return b"".join(out)


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class ImapHostileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]

    def setUp(self):
        msgs = [(b"From: a@example.org\nSubject: m%d\n\nbody %d\n" % (i, i), "", utc(2024, 1, i))
                for i in range(1, 7)]
        put_messages(self.env, "lbalice", msgs)
        self.raws = []

    def tearDown(self):
        for r in self.raws:
            r.close()
        no_seccomp_kill(self)

    def raw(self, select=True):
        r = Raw(self.port)
        self.raws.append(r)
        r.login()
        if select:
            out = r.cmd(b"S", b"SELECT INBOX")
            self.assertTrue(out[-1].startswith(b"S OK"), out)
        return r

    def alive(self, r):
        out = r.cmd(b"Z", b"NOOP")
        self.assertTrue(out[-1].startswith(b"Z OK"), out)

    def new_conn_works(self):
        m = IMAP("127.0.0.1", self.port, timeout=20)
        m.login("lbalice", lbenv.PASSWORD)
        self.assertEqual(m.select("INBOX")[0], "OK")
        m.logout()

    def refused(self, out, tag):
        """The command ended in BAD, NO or BYE (not OK)."""
        last = out[-1]
        self.assertTrue(last.startswith(tag + b" BAD") or last.startswith(tag + b" NO") or
                        any(ln.startswith(b"* BYE") for ln in out) or last == b"", out[-3:])

    def deliver(self, body):
        p = subprocess.run([os.path.join(ROOT, "maildir-deliver"), "-d", "lbalice"],
                           input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)

    # --- literals --------------------------------------------------------------
    def test_oversize_literals(self):
        r = self.raw()
        # Synchronizing: refused before the client sends it.
        r.send(b"L1 SEARCH TEXT {100000}\r\n")
        ln = r.line()
        self.assertRegex(ln, rb"^L1 (NO|BAD)")
        self.alive(r)
        r.send(b"L2 APPEND INBOX {4294967296}\r\n")
        self.assertRegex(r.line(), rb"^L2 (NO|BAD)")
        self.alive(r)
        # A size that is no number: BAD, or BYE (the rest of the line
        # cannot be framed); either way a new connection works.
        r.send(b"L3 APPEND INBOX {99999999999999999999999}\r\n")
        ln = r.line()
        self.assertRegex(ln, rb"^(L3 (NO|BAD)|\* BYE)")
        if ln.startswith(b"* BYE"):
            self.assertEqual(r.line(), b"")
            r = self.raw()
        self.alive(r)
        # LITERAL+: read and thrown away, then an error; the session goes on.
        r.send(b"L4 SEARCH TEXT {100000+}\r\n" + b"x" * 100000 + b"\r\n")
        self.refused(r.until(b"L4"), b"L4")
        self.alive(r)
        r.send(b"L5 APPEND INBOX {70000+}\r\n" + b"y" * 70000 + b"\r\n")
        out = r.until(b"L5")
        self.assertTrue(out[-1].startswith(b"L5 OK"), "APPEND may be 50 MiB")
        self.alive(r)
        # Beyond what is swallowed: BYE, the connection closes.
        r.send(b"L6 APPEND INBOX {999999999999+}\r\nabc")
        out = r.until(b"L6")
        self.refused(out, b"L6")
        self.new_conn_works()

    def test_nul_bytes(self):
        r = self.raw()
        for tag, cmd in ((b"N1", b'SELECT "IN\0BOX"'), (b"N2", b'CREATE "a\0b"'),
                         (b"N3", b'SEARCH SUBJECT "m\x001"'), (b"N4", b'LIST "" "\0*"')):
            out = r.cmd(tag, cmd)
            self.assertRegex(out[-1], rb"^%s (BAD|NO)" % tag)
        r.send(b"N5 SELECT {6}\r\n")
        self.assertTrue(r.line().startswith(b"+"))
        r.send(b"IN\0BOX\r\n")
        self.assertRegex(r.until(b"N5")[-1], rb"^N5 (BAD|NO)")
        r.send(b"N6 CREATE {3+}\r\na\0b\r\n")
        self.assertRegex(r.until(b"N6")[-1], rb"^N6 (BAD|NO)")
        r.send(b"N7 SEARCH BODY {3+}\r\nb\0d\r\n")
        self.refused(r.until(b"N7"), b"N7")
        # A bare NUL where a command should be.
        r.send(b"\0\0\0\r\n")
        self.assertRegex(r.line(), rb"^(\* |\S+ )(BAD|BYE)")
        self.alive(r)
        self.assertFalse([n for n in os.listdir(self.env.maildir("lbalice")) if n.startswith(".a")])

    def test_nested_parentheses(self):
        r = self.raw()
        out = r.cmd(b"P1", b"SEARCH " + b"(" * 10000 + b"ALL" + b")" * 10000)
        self.assertTrue(out[-1].startswith(b"P1 BAD"), out[-1])
        out = r.cmd(b"P2", b"FETCH 1 " + b"(" * 10000 + b"FLAGS" + b")" * 10000)
        self.assertTrue(out[-1].startswith(b"P2 BAD"))
        out = r.cmd(b"P3", b"SEARCH " + b"NOT " * 10000 + b"ALL")
        self.assertRegex(out[-1], rb"^P3 (BAD|NO)")
        out = r.cmd(b"P4", b"SEARCH " + b"OR " * 3000 + b" ".join([b"ALL"] * 3001))
        self.assertRegex(out[-1], rb"^P4 (BAD|NO)")
        # A long OR chain within the bound is a real search.
        out = r.cmd(b"P7", b"SEARCH " + b"OR " * 200 + b" ".join([b"SUBJECT m2"] * 201))
        self.assertEqual(out, [b"* SEARCH 2\r\n", out[-1]])
        self.assertTrue(out[-1].startswith(b"P7 OK"))
        out = r.cmd(b"P5", b"STORE 1 FLAGS " + b"(" * 10000)
        self.assertTrue(out[-1].startswith(b"P5 BAD"))
        out = r.cmd(b"P6", b"ID " + b")" * 1000)
        self.assertTrue(out[-1].startswith(b"P6 BAD"))
        self.alive(r)

    # --- sequence sets -----------------------------------------------------------
    def test_huge_sequence_numbers(self):
        r = self.raw()
        t = time.time()
        out = r.cmd(b"Q1", b"FETCH 1:4294967295 (FLAGS)")
        # Either all six messages (RFC 9051 allows a range past the end), or
        # an error for a number beyond EXISTS (RFC 3501 sec. 9).
        if out[-1].startswith(b"Q1 OK"):
            self.assertEqual(len([x for x in out if b" FETCH " in x]), 6)
        else:
            self.assertRegex(out[-1], rb"^Q1 (BAD|NO)")
        out = r.cmd(b"Q2", b"UID FETCH 1:4294967295 (FLAGS)")
        self.assertTrue(out[-1].startswith(b"Q2 OK"), out)
        self.assertEqual(len([x for x in out if b" FETCH " in x]), 6)
        out = r.cmd(b"Q3", b"UID FETCH 4294967295 (FLAGS)")
        self.assertTrue(out[-1].startswith(b"Q3 OK"))
        out = r.cmd(b"Q4", b"UID FETCH 4294967296 (FLAGS)")
        self.assertTrue(out[-1].startswith(b"Q4 BAD"), "beyond 32 bits")
        out = r.cmd(b"Q5", b"UID SEARCH UID 1:4294967295")
        self.assertIn(b"* SEARCH 1 2 3 4 5 6\r\n", out)
        out = r.cmd(b"Q6", b"UID STORE 4294967290:4294967295 +FLAGS (\\Seen)")
        self.assertTrue(out[-1].startswith(b"Q6 OK"))
        out = r.cmd(b"Q7", b"FETCH 0:* FLAGS")
        self.assertTrue(out[-1].startswith(b"Q7 BAD"))
        out = r.cmd(b"Q8", b"UID COPY 1:4294967295 INBOX")
        self.assertTrue(out[-1].startswith(b"Q8 OK"))
        out = r.cmd(b"Q9", b"UID FETCH " + b",".join(b"%d" % (4294967295 - i) for i in range(5000))
                    + b" FLAGS")
        self.assertTrue(out[-1].startswith(b"Q9 OK"))
        self.assertLess(time.time() - t, 10, "no work per number in a range")
        self.alive(r)

    def test_million_ranges(self):
        r = self.raw()
        line = b"M1 FETCH " + b",".join(b"1:2" for _ in range(1000000)) + b" FLAGS\r\n"

        def send():
            try:
                r.send(line)
            except OSError:
                pass
        th = threading.Thread(target=send, daemon=True)
        th.start()
        out = r.until(b"M1")
        th.join(20)
        self.assertTrue(any(ln.startswith(b"* BYE") for ln in out) or
                        out[-1].startswith(b"M1 BAD"), out[-3:])
        # Under the line limit, but many ranges: fine.
        r2 = self.raw()
        out = r2.cmd(b"M2", b"FETCH " + b",".join(b"1:2" for _ in range(15000)) + b" FLAGS")
        self.assertTrue(out[-1].startswith(b"M2 OK") or out[-1].startswith(b"M2 BAD"), out[-1])
        self.alive(r2)
        self.new_conn_works()

    # --- mailbox names -------------------------------------------------------------
    def test_broken_mutf7(self):
        r = self.raw(select=False)
        bad = [b"&AGE", b"&Jjo!-", b"&AGEAYQ-", b"&2D0-", b"&-&", b"A&B-", b"&AB-",
               b"&Jjo-&Jjo-", b"&" + b"A" * 5000 + b"-", b"a&"]
        for i, n in enumerate(bad):
            tag = b"B%d" % i
            out = r.cmd(tag, b'CREATE "' + n + b'"')
            self.assertRegex(out[-1], rb"^%s (NO|BAD)" % tag, n)
            out = r.cmd(tag, b'SELECT "' + n + b'"')
            self.assertRegex(out[-1], rb"^%s (NO|BAD)" % tag, n)
            out = r.cmd(tag, b'RENAME INBOX "' + n + b'"')
            self.assertRegex(out[-1], rb"^%s (NO|BAD)" % tag, n)
        out = r.cmd(b"L", b'LIST "" "&AGE*"')
        self.assertRegex(out[-1], rb"^L (OK|NO|BAD)")
        self.assertEqual([n for n in os.listdir(self.env.maildir("lbalice")) if n.startswith(".")], [])
        out = r.cmd(b"G", b'CREATE "&ZeVnLIqe-"')
        self.assertTrue(out[-1].startswith(b"G OK"), "valid mUTF-7 still works")
        self.alive(r)

    # --- hostile messages -------------------------------------------------------------
    def test_deep_multipart(self):
        body = nested_multipart(10000)
        self.deliver(body)
        r = self.raw()
        t = time.time()
        out = r.cmd(b"D1", b"FETCH 7 (BODYSTRUCTURE)")
        self.assertTrue(out[-1].startswith(b"D1 OK"), out[-1])
        self.assertIn(b"BODYSTRUCTURE (", out[0])
        for sec in (b"1.1.1", b"1", b"1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1",
                    b"1." * 5000 + b"1"):
            out = r.cmd(b"D2", b"FETCH 7 (BODY.PEEK[" + sec + b"] BODY.PEEK[" + sec + b".MIME])")
            self.assertRegex(out[-1], rb"^D2 (OK|BAD|NO)")
        out = r.cmd(b"D3", b"FETCH 7 (BODY ENVELOPE RFC822.SIZE)")
        self.assertTrue(out[-1].startswith(b"D3 OK"))
        out = r.cmd(b"D4", b"SEARCH BODY innermost")
        self.assertTrue(out[-1].startswith(b"D4 OK"))
        out = r.cmd(b"D5", b"SEARCH TEXT nothing-here")
        self.assertIn(b"* SEARCH\r\n", out)
        self.assertLess(time.time() - t, 15)
        self.alive(r)

    def test_megabyte_header_line(self):
        self.deliver(b"From: big@example.org\nSubject: " + b"A" * (1024 * 1024) +
                     b"\nX-Long: " + b"b " * 600000 + b"\nTo: x@example.org\n\nsmall body\n")
        r = self.raw()
        out = r.cmd(b"H1", b"FETCH 7 (ENVELOPE)")
        self.assertTrue(out[-1].startswith(b"H1 OK"), out[-1][:200])
        out = r.cmd(b"H2", b"SEARCH HEADER Subject AAAA")
        self.assertTrue(out[-1].startswith(b"H2 OK"))
        out = r.cmd(b"H3", b"SEARCH HEADER X-Long \"b b b\"")
        self.assertTrue(out[-1].startswith(b"H3 OK"))
        out = r.cmd(b"H4", b"SEARCH TO x@example.org")
        self.assertIn(b"* SEARCH 7\r\n", out, "fields after the long ones are found")
        out = r.cmd(b"H5", b"FETCH 7 (BODY.PEEK[HEADER.FIELDS (TO)] BODYSTRUCTURE)")
        self.assertTrue(out[-1].startswith(b"H5 OK"))
        self.assertIn(b"To: x@example.org\r\n", b"".join(out))
        self.alive(r)

    def test_unterminated_base64(self):
        self.deliver(b"From: b@example.org\nSubject: b64\nMIME-Version: 1.0\n"
                     b"Content-Type: multipart/mixed; boundary=zz\n\n--zz\n"
                     b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
                     b"aGVsbG8gd29ybGQ=\nQUJD=!!!*\nQUJDRE\n"
                     b"--zz\nContent-Type: text/plain; charset=utf-8\n"
                     b"Content-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak =E2=8\n")
        r = self.raw()
        for tag, key in ((b"U1", b"BODY hello"), (b"U2", b"BODY ABCD"), (b"U3", b"TEXT zzz"),
                         (b"U4", b"BODY softbreak")):
            out = r.cmd(tag, b"SEARCH " + key)
            self.assertTrue(out[-1].startswith(tag + b" OK"), out)
        self.assertIn(b"* SEARCH 7\r\n", r.cmd(b"U5", b"SEARCH BODY hello"))
        out = r.cmd(b"U6", b"FETCH 7 (BODYSTRUCTURE BODY.PEEK[1] BODY.PEEK[2])")
        self.assertTrue(out[-1].startswith(b"U6 OK"))
        self.alive(r)

    # --- the wire ------------------------------------------------------------------
    def test_tiny_packets(self):
        r = self.raw()
        r.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cmd = (b'T1 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n'
               b'T2 SEARCH SUBJECT {2+}\r\nm3\r\n')
        for ch in cmd:
            r.send(bytes([ch]))
            time.sleep(0.002)
        out = r.until(b"T1")
        self.assertTrue(out[-1].startswith(b"T1 OK"), out)
        self.assertEqual(len([x for x in out if b" FETCH " in x]), 6)
        out = r.until(b"T2")
        self.assertIn(b"* SEARCH 3\r\n", out)
        # A synchronizing literal split too, and CR and LF in separate packets.
        r.send(b"T3 SEARCH SUBJECT {2}\r")
        time.sleep(0.05)
        r.send(b"\n")
        self.assertTrue(r.line().startswith(b"+"))
        r.send(b"m")
        time.sleep(0.05)
        r.send(b"4\r")
        time.sleep(0.05)
        r.send(b"\n")
        self.assertIn(b"* SEARCH 4\r\n", r.until(b"T3"))
        self.alive(r)

    def test_pipelining(self):
        r = Raw(self.port)
        self.raws.append(r)
        r.line()
        cmds = [b'P0 LOGIN lbalice "%s"' % lbenv.PASSWORD.encode(), b"P1 SELECT INBOX"]
        for i in range(2, 102):
            k = i % 5
            cmds.append([b"P%d NOOP" % i, b"P%d FETCH %d (UID FLAGS)" % (i, i % 6 + 1),
                         b"P%d SEARCH ALL" % i, b"P%d STORE %d +FLAGS (\\Flagged)" % (i, i % 6 + 1),
                         b"P%d UID SEARCH UNFLAGGED" % i][k])
        r.send(b"".join(c + b"\r\n" for c in cmds))
        for i in range(len(cmds)):
            out = r.until(b"P%d" % i)
            self.assertTrue(out[-1].startswith(b"P%d OK" % i), (i, out))
        out = r.cmd(b"Z", b"SEARCH FLAGGED")
        self.assertIn(b"* SEARCH 1 2 3 4 5 6\r\n", out)

    def test_misc_garbage(self):
        r = self.raw()
        E, EO = ("BAD", "NO"), ("BAD", "NO", "OK")
        cases = [(b"T" * 200 + b" NOOP", E), (b"A1 " + b"X" * 100, E), (b"A2 FETCH", E),
                 (b"A3 FETCH 1", E), (b"A4 FETCH 1 (BODY[HEADER.FIELDS ()])", E),
                 (b"A5 FETCH 1 BODY[" + b"1." * 1000 + b"1]", EO),
                 (b"A6 LIST \"\" " + b"*a" * 2000 + b"b", EO),
                 (b"A7 SEARCH " + b" ".join([b"ALL"] * 9999), EO),
                 (b"A8 STORE 1 +FLAGS (" + b" ".join(b"k%d" % i for i in range(5000)) + b")", EO),
                 (b"A9 UID", E), (b"B1 UID NOOP", E), (b"B2 APPEND", E), (b"B3 SELECT", E),
                 (b"B4 {5}", E), (b"B5 SEARCH CHARSET", E),
                 (b"B6 FETCH 1 BODY[]<4294967295.4294967295>", EO),
                 (b"B7 FETCH 1 BODY[]<99999999999.1>", E),
                 (b"B8 SEARCH LARGER 99999999999999999999", E),
                 (b"B9 SEARCH SINCE 99-Foo-99999", E), (b"C1 ENABLE", E),
                 (b"C2 STATUS INBOX (MESSAGES", E), (b"C3 \"quoted tag\" NOOP", E),
                 (b"C4 NOOP \"unterminated", E), (b"C5 SELECT INBOX extra", E),
                 (b"C6 COPY 1", E), (b"C7 MOVE 1:* \"\"", E),
                 (b"C8 FETCH 1 (BODY[TEXT]<0.0>)", E), (b"C9 STORE * FLAGS.SILENT", E)]
        t = time.time()
        for c, allowed in cases:
            tag = c.split(b" ")[0]
            r.send(c + b"\r\n")
            ln = r.line()
            if ln.startswith(b"+"):
                r.send(b"xxxxx\r\n")
                ln = r.line()
            while ln.startswith(b"* ") and not ln.startswith(b"* BYE") and not ln.startswith(b"* BAD"):
                ln = r.line()
            if ln.startswith(b"* BYE"):
                r = self.raw()
                continue
            if ln.startswith(b"* BAD"):
                continue
            words = ln.split(b" ")
            self.assertEqual(words[0], tag[:len(words[0])] if len(tag) < 200 else words[0], (c[:60], ln[:200]))
            self.assertIn(words[1].decode(), allowed, (c[:60], ln[:200]))
        self.assertLess(time.time() - t, 10)
        self.alive(r)
        self.new_conn_works()


if __name__ == "__main__":
    unittest.main()
