"""imapd, command by command, through imaplib (raw sockets where imaplib
cannot say it): every command and extension the server advertises, checked
against RFC 3501 and the extension RFCs as a client sees the answers, and
against the Maildir on disk where a command changes it."""
import imaplib
import os
import re
import subprocess
import time
import unittest

import lbenv
from imaphelp import (IMAP, Raw, crlf, disk_flags, fetch_dict, mutf7, mutf7_decode,
                      no_seccomp_kill, put_messages, sexp, utc)

ROOT = lbenv.ROOT

# --- the fixture: six messages with known headers, dates, sizes and flags --
M1 = (b"From: Alice Example <alice@example.org>\n"
      b"To: bob@example.org\n"
      b"Cc: carol@example.org\n"
      b"Subject: Meeting tomorrow\n"
      b"Date: Mon, 01 Jan 2024 10:00:00 +0000\n"
      b"Message-ID: <m1@example.org>\n"
      b"\n"
      b"Let us meet at noon.\n"
      b"Second line.\n")
M2 = (b"From: bob@example.net\n"
      b"To: alice@example.org\n"
      b"Bcc: dave@example.com\n"
      b"Subject: Re: Meeting tomorrow\n"
      b"Date: Mon, 05 Feb 2024 10:00:00 +0000\n"
      b"In-Reply-To: <m1@example.org>\n"
      b"\n"
      b"ok\n")
M3 = (b"From: ivan@example.ru\n"
      b"To: alice@example.org\n"
      b"Subject: =?windows-1251?B?z/Do4uXyIOzo8A==?=\n"
      b"Date: Sun, 10 Mar 2024 10:00:00 +0000\n"
      b"MIME-Version: 1.0\n"
      b"Content-Type: text/plain; charset=koi8-r\n"
      b"Content-Transfer-Encoding: quoted-printable\n"
      b"\n"
      b"=E4=CF=C2=D2=D9=CA =C4=C5=CE=D8, =D0=D2=C9=D7=C5=D4 =D7=D3=C5=CD!\n")
M4 = (b"From: carol@example.org\n"
      b"To: alice@example.org\n"
      b"Subject: Report with attachment\n"
      b"Date: Mon, 15 Apr 2024 10:00:00 +0000\n"
      b"MIME-Version: 1.0\n"
      b"Content-Type: multipart/mixed; boundary=\"XYZ\"\n"
      b"\n"
      b"preamble\n"
      b"--XYZ\n"
      b"Content-Type: text/plain; charset=us-ascii\n"
      b"\n"
      b"See the attached report.\n"
      b"--XYZ\n"
      b"Content-Type: text/plain; name=\"r.txt\"\n"
      b"Content-Transfer-Encoding: base64\n"
      b"Content-Disposition: attachment; filename=\"r.txt\"\n"
      b"\n"
      b"VGhlIGhpZGRlbiBuZWVkbGUgaXMgaGVyZS4K\n"
      b"--XYZ\n"
      b"Content-Type: message/rfc822\n"
      b"\n"
      b"From: inner@example.org\n"
      b"Subject: inner message\n"
      b"\n"
      b"inner body\n"
      b"--XYZ--\n"
      b"epilogue\n")
M5 = (b"From: alice@example.org\n"
      b"To: bob@example.org\n"
      b"Subject: Draft of a long letter\n"
      b"Date: Mon, 20 May 2024 10:00:00 +0000\n"
      b"\n" + b"All work and no play.\n" * 250)
M6 = (b"From: billing@example.com\n"
      b"To: alice@example.org\n"
      b"Subject: Invoice 42\n"
      b"X-Priority: 1\n"
      b"Date: Mon, 20 May 2024 23:00:00 +0000\n"
      b"\n"
      b"Please pay.\n")
MSGS = [M1, M2, M3, M4, M5, M6]
FLAGS = [None, "RS", "F", "ST", "DS", ""]
DATES = [utc(2024, 1, 1), utc(2024, 2, 5), utc(2024, 3, 10), utc(2024, 4, 15),
         utc(2024, 5, 20), utc(2024, 5, 21)]
PRIVET = "привет"


def have_imapd():
    return os.path.exists(os.path.join(ROOT, "imapd"))


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class ImapCommandsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]

    def setUp(self):
        self.names = put_messages(self.env, "lbalice", list(zip(MSGS, FLAGS, DATES)))
        self.md = self.env.maildir("lbalice")
        self.conns = []

    def tearDown(self):
        for m in self.conns:
            try:
                m.shutdown()
            except Exception:
                pass
        no_seccomp_kill(self)

    # --- helpers ------------------------------------------------------------
    def imap(self, select=None, readonly=False):
        m = IMAP("127.0.0.1", self.port, timeout=20)
        m.login("lbalice", lbenv.PASSWORD)
        self.conns.append(m)
        if select:
            typ, data = m.select(select, readonly=readonly)
            self.assertEqual(typ, "OK", data)
        return m

    def cmd(self, m, name, *args):
        """Run a command; (typ, tagged text, {untagged type: [data]})."""
        m.untagged_responses.clear()
        typ, data = m._simple_command(name, *args)
        u = dict(m.untagged_responses)
        m.untagged_responses.clear()
        return typ, data[-1] if data else None, u

    def fetch(self, m, seq, items, uid=False):
        m.untagged_responses.clear()
        if uid:
            typ, data = m.uid("FETCH", seq, items)
        else:
            typ, data = m.fetch(seq, items)
        self.assertEqual(typ, "OK", data)
        return fetch_dict(data)

    def search(self, m, *crit, charset=None, uid=False):
        if uid:
            typ, data = m.uid("SEARCH", *crit) if charset is None else \
                m.uid("SEARCH", "CHARSET", charset, *crit)
        else:
            typ, data = m.search(charset, *crit)
        self.assertEqual(typ, "OK", (crit, data))
        return [int(x) for x in data[0].split()]

    def list_names(self, m, ref='""', pat='"*"'):
        typ, data = m.list(ref, pat)
        self.assertEqual(typ, "OK", data)
        out = {}
        for d in data:
            if d is None:
                continue
            it = sexp(d)
            out[it[2].decode() if isinstance(it[2], bytes) else str(it[2])] = \
                set(str(a).lower() for a in it[0])
        return out

    def deliver(self, body, folder=None):
        args = [os.path.join(ROOT, "maildir-deliver"), "-d", "lbalice"]
        if folder:
            args += ["-m", folder]
        p = subprocess.run(args, input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)

    def folder_dir(self, name):
        return os.path.join(self.md, "." + name)

    def count_files(self, folder=None):
        d = self.md if folder is None else self.folder_dir(folder)
        return sum(len(os.listdir(os.path.join(d, s))) for s in ("new", "cur"))

    # --- any state ------------------------------------------------------------
    def test_capability_noop_logout(self):
        m = IMAP("127.0.0.1", self.port, timeout=20)
        self.conns.append(m)
        self.assertIn("STARTTLS", m.capabilities)
        self.assertIn("AUTH=PLAIN", m.capabilities)
        m.login("lbalice", lbenv.PASSWORD)
        typ, data, u = self.cmd(m, "CAPABILITY")
        self.assertEqual(typ, "OK")
        caps = u["CAPABILITY"][0].decode().split()
        want = ("IMAP4rev1 IDLE UIDPLUS NAMESPACE LITERAL+ ENABLE MOVE SPECIAL-USE "
                "CHILDREN LIST-EXTENDED LIST-STATUS ID UNSELECT SASL-IR ESEARCH "
                "QUOTA CONDSTORE SEARCHRES").split()
        for c in want:
            self.assertIn(c, caps)
        self.assertIn("APPENDLIMIT=%d" % (50 * 1024 * 1024), caps)
        self.assertNotIn("STARTTLS", caps, "no STARTTLS after login")
        self.assertNotIn("LOGINDISABLED", caps)
        self.assertEqual(len(caps), len(set(caps)))
        self.assertEqual(self.cmd(m, "CAPABILITY", "X")[0], "BAD")
        self.assertEqual(m.noop()[0], "OK")
        self.assertEqual(self.cmd(m, "NOOP", "X")[0], "BAD")
        # LOGOUT: untagged BYE, tagged OK, then the server closes.
        r = Raw(self.port)
        r.login()
        out = r.cmd(b"Z", b"LOGOUT")
        self.assertTrue(out[0].startswith(b"* BYE"), out)
        self.assertTrue(out[-1].startswith(b"Z OK"), out)
        self.assertEqual(r.line(), b"")
        r.close()

    def test_namespace_id(self):
        m = self.imap()
        self.assertEqual(m.namespace(), ("OK", [b'(("" ".")) NIL NIL']))
        typ, data, u = self.cmd(m, "ID", '("name" "test-suite" "version" "1")')
        self.assertEqual(typ, "OK")
        it = sexp(u["ID"][0])[0]
        self.assertEqual(dict(zip(it[::2], it[1::2])).get(b"name"), b"letterbox")
        self.assertEqual(self.cmd(m, "ID", "NIL")[0], "OK")
        self.assertEqual(self.cmd(m, "ID", '("name")')[0], "BAD")
        self.assertEqual(self.cmd(m, "ID", "foo")[0], "BAD")

    # --- SELECT / EXAMINE -------------------------------------------------
    def test_select_responses(self):
        m = self.imap()
        typ, data = m.select("INBOX")
        self.assertEqual((typ, data), ("OK", [b"6"]))
        u = m.untagged_responses
        self.assertIn("READ-WRITE", u)
        flags = sexp(u["FLAGS"][0])[0]
        for f in ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"):
            self.assertIn(f, flags)
        perm = sexp(u["PERMANENTFLAGS"][0])[0]
        self.assertIn("\\*", perm)
        self.assertNotIn("\\Recent", perm)
        self.assertEqual(u["RECENT"], [b"6"], "first session: all recent")
        self.assertEqual(u["UNSEEN"], [b"1"], "first unseen message")
        self.assertEqual(u["UIDNEXT"], [b"7"])
        uidv = int(u["UIDVALIDITY"][0])
        self.assertGreater(uidv, 0)
        # A second session: nothing recent, same UIDVALIDITY.
        m2 = self.imap()
        m2.select("INBOX")
        self.assertEqual(m2.untagged_responses["RECENT"], [b"0"])
        self.assertEqual(int(m2.untagged_responses["UIDVALIDITY"][0]), uidv)
        # SELECT of a missing mailbox leaves the session unselected.
        typ, data = m.select("Nope")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0])
        self.assertEqual(self.cmd(m, "FETCH", "1", "FLAGS")[0], "BAD")
        self.assertEqual(m.select("inbox")[0], "OK", "INBOX is case-insensitive")

    def test_examine_read_only(self):
        m = self.imap()
        typ, data = m.select("INBOX", readonly=True)
        self.assertEqual((typ, data), ("OK", [b"6"]))
        self.assertIn("READ-ONLY", m.untagged_responses)
        before = disk_flags(self.env, "lbalice")
        typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
        self.assertEqual(typ, "NO")
        self.assertEqual(m.expunge()[0], "NO")
        self.assertEqual(m.uid("EXPUNGE", "4")[0], "NO")
        self.assertEqual(m.uid("MOVE", "1", "INBOX")[0], "NO")
        # BODY[] does not set \Seen in a read-only mailbox (RFC 3501 6.3.2).
        d = self.fetch(m, "1", "(BODY[] RFC822.TEXT)")
        self.assertEqual(d[1]["BODY[]"], crlf(M1))
        self.assertNotIn("FLAGS", d[1])
        d = self.fetch(m, "1", "(FLAGS)")
        self.assertNotIn("\\Seen", d[1]["FLAGS"])
        # EXAMINE leaves the recent flag alone too.
        self.assertEqual(disk_flags(self.env, "lbalice"), before)
        # CLOSE after EXAMINE expunges nothing.
        self.assertEqual(m.close()[0], "OK")
        self.assertEqual(self.count_files(), 6)
        m.select("INBOX")
        d = self.fetch(m, "1", "(FLAGS)")
        self.assertNotIn("\\Seen", d[1]["FLAGS"])

    # --- CREATE / DELETE / RENAME -----------------------------------------
    def test_create_hierarchy(self):
        m = self.imap()
        typ, data = m.create("A.B.")
        self.assertEqual(typ, "OK", data)
        names = self.list_names(m)
        self.assertIn("A.B", names)
        self.assertIn("A", names, "parent created too (RFC 3501 6.3.3)")
        self.assertNotIn("A.B.", names)
        self.assertIn("\\haschildren", names["A"])
        self.assertIn("\\hasnochildren", names["A.B"])
        self.assertTrue(os.path.isfile(os.path.join(self.folder_dir("A.B"), "maildirfolder")))
        for sub in ("cur", "new", "tmp"):
            self.assertTrue(os.path.isdir(os.path.join(self.folder_dir("A.B"), sub)))
        # In Maildir++ a parent is a name, not a folder, until it is created.
        if "\\noselect" in names["A"] or "\\nonexistent" in names["A"]:
            self.assertEqual(m.select("A")[0], "NO")
            self.assertEqual(m.create("A")[0], "OK")
        self.assertEqual(m.select("A")[0], "OK")
        self.assertEqual(m.select("A.B"), ("OK", [b"0"]))
        typ, data = m.create("A.B")
        self.assertEqual(typ, "NO")
        self.assertIn(b"ALREADYEXISTS", data[0])
        self.assertEqual(m.create("INBOX")[0], "NO")
        self.assertEqual(m.create("inbox")[0], "NO")
        for bad in ('"A..C"', '".hidden"', '"a/b"', '""'):
            self.assertIn(m.create(bad)[0], ("NO", "BAD"), bad)
        self.assertFalse(any(n.startswith("..") or "/" in n for n in os.listdir(self.md)))

    def test_create_cyrillic(self):
        m = self.imap()
        sent, drafts = mutf7("Отправленные"), mutf7("Черновики")
        self.assertEqual(sent, "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-")
        for n in (sent, drafts, drafts + "." + mutf7("Старые & новые")):
            typ, data = m.create('"%s"' % n)
            self.assertEqual(typ, "OK", (n, data))
        names = self.list_names(m)
        decoded = {mutf7_decode(n) for n in names}
        for want in ("Отправленные", "Черновики", "Черновики.Старые & новые"):
            self.assertIn(want, decoded)
        self.assertTrue(os.path.isdir(self.folder_dir(sent)), "stored as mUTF-7 on disk")
        self.assertEqual(m.append(sent, None, None, b"Subject: x\r\n\r\ny\r\n")[0], "OK")
        self.assertEqual(m.select(sent), ("OK", [b"1"]))
        self.assertEqual(m.select('"%s"' % drafts), ("OK", [b"0"]))
        m.unselect() if hasattr(m, "unselect") else self.cmd(m, "UNSELECT")
        archive = mutf7("Архив")
        typ, data = m.rename(sent, archive)
        self.assertEqual(typ, "OK", data)
        names = self.list_names(m)
        self.assertIn(archive, names)
        self.assertNotIn(sent, names)
        self.assertEqual(m.select(archive), ("OK", [b"1"]))
        self.assertTrue(os.path.isdir(self.folder_dir(archive)))
        self.assertFalse(os.path.exists(self.folder_dir(sent)))
        # Raw UTF-8 is not a valid mailbox name without UTF8=ACCEPT.
        r = Raw(self.port)
        r.login()
        out = r.cmd(b"C", b'CREATE "' + "Привет".encode() + b'"')
        self.assertRegex(out[-1], rb"^C (NO|BAD)")
        r.close()

    def test_delete(self):
        m = self.imap()
        for n in ("P", "P.Q", "Leaf"):
            self.assertEqual(m.create(n)[0], "OK")
        m.append("P", None, None, b"Subject: in P\r\n\r\nx\r\n")
        self.assertEqual(m.delete("Leaf")[0], "OK")
        self.assertFalse(os.path.exists(self.folder_dir("Leaf")))
        self.assertEqual(m.delete("Leaf")[0], "NO")
        # A parent with children: its messages go, its name stays \Noselect.
        self.assertEqual(m.delete("P")[0], "OK")
        names = self.list_names(m)
        self.assertIn("\\noselect", names["P"])
        self.assertIn("P.Q", names)
        self.assertEqual(m.select("P")[0], "NO")
        self.assertEqual(m.status("P", "(MESSAGES)")[0], "NO")
        # A \Noselect name with children cannot be deleted (6.3.4).
        self.assertEqual(m.delete("P")[0], "NO")
        self.assertEqual(m.delete("P.Q")[0], "OK")
        names = self.list_names(m)
        self.assertNotIn("P.Q", names)
        self.assertNotIn("P", names)
        typ, data = m.delete("INBOX")
        self.assertEqual(typ, "NO")
        # CREATE of a \Noselect name makes it a mailbox again.
        m.create("R.S")
        self.assertEqual(m.select("R")[0], "NO")
        self.assertEqual(m.create("R")[0], "OK")
        self.assertEqual(m.select("R")[0], "OK")
        self.cmd(m, "UNSELECT")
        self.assertEqual(m.delete("R")[0], "OK")
        self.assertIn("\\noselect", self.list_names(m)["R"])

    def test_rename(self):
        m = self.imap()
        for n in ("A", "A.B", "A.B.C", "Other"):
            self.assertEqual(m.create(n)[0], "OK")
        m.append("A.B", None, None, b"Subject: deep\r\n\r\nx\r\n")
        m.subscribe("A.B")
        typ, data = m.rename("A", "Z")
        self.assertEqual(typ, "OK", data)
        names = self.list_names(m)
        for n in ("Z", "Z.B", "Z.B.C"):
            self.assertIn(n, names)
        for n in ("A", "A.B", "A.B.C"):
            self.assertNotIn(n, names)
        self.assertEqual(m.select("Z.B"), ("OK", [b"1"]))
        self.assertEqual(m.rename("Z", "Other")[0], "NO")
        self.assertEqual(m.rename("Nope", "Nope2")[0], "NO")
        self.assertEqual(m.rename("Z", "Z.B.D")[0], "NO", "into its own child")
        self.assertEqual(m.rename("Other", "INBOX")[0], "NO")
        # RENAME INBOX moves its messages; INBOX stays, empty (6.3.5).
        m.select("INBOX")
        m.store("1", "+FLAGS", "(\\Flagged)")
        self.cmd(m, "UNSELECT")
        typ, data = m.rename("INBOX", "Old")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(m.select("INBOX"), ("OK", [b"0"]))
        self.assertEqual(m.select("Old"), ("OK", [b"6"]))
        d = self.fetch(m, "1:6", "(FLAGS BODY.PEEK[])")
        self.assertIn("\\Flagged", d[1]["FLAGS"])
        self.assertIn("\\Answered", d[2]["FLAGS"])
        self.assertEqual(d[3]["BODY[]"], crlf(M3))
        self.assertEqual(self.count_files(), 0)
        self.assertEqual(self.count_files("Old"), 6)

    def test_subscribe_lsub(self):
        m = self.imap()
        for n in ("Work", "Lists", "Lists.dev"):
            m.create(n)
        self.assertEqual(m.subscribe("Work")[0], "OK")
        self.assertEqual(m.subscribe("Lists.dev")[0], "OK")
        # Subscribing a name that does not exist is allowed (6.3.6).
        self.assertEqual(m.subscribe("Ghost")[0], "OK")
        with open(os.path.join(self.md, "subscriptions")) as f:
            subs = f.read().split("\n")
        for n in ("Work", "Lists.dev", "Ghost"):
            self.assertIn(n, subs)
        typ, data = m.lsub('""', '"*"')
        got = {sexp(d)[2].decode() if isinstance(sexp(d)[2], bytes) else sexp(d)[2]
               for d in data if d}
        self.assertEqual(got, {"Work", "Lists.dev", "Ghost"})
        # % matches "Lists", an unsubscribed parent: \Noselect (6.3.9).
        typ, data = m.lsub('""', "%")
        items = {str(sexp(d)[2].decode() if isinstance(sexp(d)[2], bytes) else sexp(d)[2]):
                 [a.lower() for a in sexp(d)[0]] for d in data if d}
        self.assertIn("Lists", items)
        self.assertIn("\\noselect", items["Lists"])
        self.assertEqual(m.unsubscribe("Work")[0], "OK")
        self.assertEqual(m.unsubscribe("Ghost")[0], "OK")
        typ, data = m.lsub('""', '"*"')
        got = [sexp(d)[2] for d in data if d]
        self.assertEqual([g.decode() if isinstance(g, bytes) else g for g in got], ["Lists.dev"])

    def test_names_that_need_quoting(self):
        m = self.imap()
        for n in ('"My Folder"', '"q\\"uote"', '"back\\\\slash"', '"~t&AOk-"'):
            self.assertEqual(m.create(n)[0], "OK", n)
        for n in ('"pct%"', '"star*"'):
            self.assertEqual(m.create(n)[0], "NO", "LIST wildcards in a name")
        names = self.list_names(m)
        self.assertTrue({"My Folder", 'q"uote', "back\\slash", "~t&AOk-"} <= set(names), names)
        self.assertTrue(os.path.isdir(self.folder_dir('q"uote')))
        self.assertEqual(m.append('"q\\"uote"', None, None, b"Subject: q\r\n\r\nx\r\n")[0], "OK")
        typ, data = m.status('"q\\"uote"', "(MESSAGES)")
        self.assertEqual(sexp(data[0]), [b'q"uote', ["MESSAGES", "1"]])
        self.assertEqual(m.rename('"My Folder"', '"Your Folder"')[0], "OK")
        self.assertEqual(set(self.list_names(m, '""', '"*Folder"')), {"Your Folder"})
        self.assertEqual(set(self.list_names(m, '""', '"*&AOk-*"')), {"~t&AOk-"})

    def test_other_session_expunges(self):
        a = self.imap(select="INBOX")
        b = self.imap(select="INBOX")
        a.store("2", "+FLAGS.SILENT", "(\\Deleted)")
        a.expunge()
        # No EXPUNGE during FETCH, STORE or SEARCH (RFC 3501 7.4.1): b's
        # numbers stay valid; message 3 is still UID 3 for b.
        b.untagged_responses.clear()
        typ, data = b.fetch("3", "(UID)")
        self.assertEqual(typ, "OK")
        self.assertEqual(int(fetch_dict(data)[3]["UID"]), 3)
        self.assertNotIn("EXPUNGE", b.untagged_responses)
        typ, data = b.search(None, "UID", "5")
        self.assertEqual(data, [b"5"])
        self.assertNotIn("EXPUNGE", b.untagged_responses)
        b.noop()
        self.assertEqual(after_expunges(range(1, 7), b.untagged_responses["EXPUNGE"]), [1, 3, 5, 6])
        d = self.fetch(b, "1:*", "UID")
        self.assertEqual([int(d[k]["UID"]) for k in sorted(d)], [1, 3, 5, 6])

    def test_list_patterns(self):
        m = self.imap()
        for n in ("A", "A.B", "A.B.C", "Work", "Ab"):
            m.create(n)
        # LIST "" "": the delimiter and root.
        typ, data = m.list('""', '""')
        it = sexp(data[0])
        self.assertIn("\\Noselect", it[0])
        self.assertEqual(it[1], b".")
        self.assertEqual(it[2], b"")
        self.assertEqual(set(self.list_names(m, '""', "%")), {"INBOX", "A", "Work", "Ab"})
        self.assertEqual(set(self.list_names(m)), {"INBOX", "A", "A.B", "A.B.C", "Work", "Ab"})
        self.assertEqual(set(self.list_names(m, '""', "A.%")), {"A.B"})
        self.assertEqual(set(self.list_names(m, '""', "A*")), {"A", "A.B", "A.B.C", "Ab"})
        self.assertEqual(set(self.list_names(m, '""', "A%")), {"A", "Ab"})
        # A reference is prefixed to the pattern (6.3.8).
        self.assertEqual(set(self.list_names(m, "A.", "%")), {"A.B"})
        self.assertEqual(set(self.list_names(m, "A.", "*")), {"A.B", "A.B.C"})
        self.assertEqual(set(self.list_names(m, "A.B.", "%")), {"A.B.C"})
        # INBOX matches case-insensitively; other names do not.
        self.assertEqual(set(self.list_names(m, '""', "inbox")), {"INBOX"})
        self.assertEqual(set(self.list_names(m, '""', "work")), set())
        names = self.list_names(m)
        self.assertIn("\\haschildren", names["A.B"])
        self.assertIn("\\hasnochildren", names["A.B.C"])
        self.assertIn("\\hasnochildren", names["INBOX"])

    def test_list_extended_and_special_use(self):
        m = self.imap()
        for n in ("Sent", "Drafts", "Trash", "Junk", "Archive", "Work", "Work.Old"):
            self.assertEqual(m.create(n)[0], "OK")
        m.subscribe("Work.Old")
        m.subscribe("INBOX")
        m.subscribe("Gone")

        def lx(*args):
            typ, data, u = self.cmd(m, "LIST", *args)
            self.assertEqual(typ, "OK", (args, data))
            out = {}
            for d in u.get("LIST", []):
                it = sexp(d)
                name = it[2].decode() if isinstance(it[2], bytes) else str(it[2])
                out[name] = (set(a.lower() for a in it[0]), it[3:])
            return out, u
        got, u = lx('""', '"*"', "RETURN", "(SPECIAL-USE)")
        want = {"Sent": "\\sent", "Drafts": "\\drafts", "Trash": "\\trash",
                "Junk": "\\junk", "Archive": "\\archive"}
        for n, a in want.items():
            self.assertIn(a, got[n][0], n)
        self.assertFalse(got["Work"][0] & set(want.values()))
        # Plain LIST shows the special-use attributes too (RFC 6154 sec. 2).
        self.assertIn("\\sent", self.list_names(m)["Sent"])
        got, u = lx("(SPECIAL-USE)", '""', '"*"')
        self.assertEqual(set(got), set(want))
        # Selection SUBSCRIBED: subscribed names only, \NonExistent for a
        # subscribed name that has no mailbox (RFC 5258 sec. 3).
        got, u = lx("(SUBSCRIBED)", '""', '"*"', "RETURN", "(CHILDREN)")
        self.assertEqual(set(got), {"INBOX", "Work.Old", "Gone"})
        for n in got:
            self.assertIn("\\subscribed", got[n][0], n)
        self.assertIn("\\nonexistent", got["Gone"][0])
        self.assertIn("\\hasnochildren", got["Work.Old"][0])
        # RECURSIVEMATCH: Work has a subscribed child: CHILDINFO.
        got, u = lx("(SUBSCRIBED RECURSIVEMATCH)", '""', "%")
        self.assertIn("Work", got)
        self.assertNotIn("\\subscribed", got["Work"][0])
        self.assertIn([b"CHILDINFO", [b"SUBSCRIBED"]], got["Work"][1])
        # RETURN (SUBSCRIBED) marks, does not select.
        got, u = lx('""', '"*"', "RETURN", "(SUBSCRIBED CHILDREN SPECIAL-USE)")
        self.assertIn("\\subscribed", got["Work.Old"][0])
        self.assertNotIn("\\subscribed", got["Work"][0])
        self.assertIn("\\haschildren", got["Work"][0])
        self.assertIn("\\trash", got["Trash"][0])
        self.assertNotIn("Gone", got)
        # Several patterns at once.
        got, u = lx('""', '("INBOX" "Work*")')
        self.assertEqual(set(got), {"INBOX", "Work", "Work.Old"})
        self.assertEqual(self.cmd(m, "LIST", "(BOGUS)", '""', "*")[0], "BAD")
        self.assertEqual(self.cmd(m, "LIST", '""', "*", "RETURN", "(BOGUS)")[0], "BAD")
        self.assertEqual(self.cmd(m, "LIST", "(RECURSIVEMATCH)", '""', "*")[0], "BAD")

    def test_list_status(self):
        m = self.imap()
        m.create("Work")
        m.append("Work", "(\\Seen)", None, b"Subject: a\r\n\r\nx\r\n")
        m.append("Work", None, None, b"Subject: b\r\n\r\nx\r\n")
        m.create("Q.R")
        typ, data, u = self.cmd(m, "LIST", '""', "*", "RETURN", "(STATUS (MESSAGES UNSEEN))")
        self.assertEqual(typ, "OK")
        st = {}
        for d in u["STATUS"]:
            it = sexp(d)
            name = it[0].decode() if isinstance(it[0], bytes) else str(it[0])
            st[name] = dict(zip([str(x) for x in it[1][::2]], [int(x) for x in it[1][1::2]]))
        self.assertEqual(st["INBOX"], {"MESSAGES": 6, "UNSEEN": 3})
        self.assertEqual(st["Work"], {"MESSAGES": 2, "UNSEEN": 1})
        self.assertEqual(st["Q.R"], {"MESSAGES": 0, "UNSEEN": 0})
        self.assertNotIn("Q", st, "no STATUS for a \\Noselect name")
        lists = {sexp(d)[2] for d in u["LIST"]}
        self.assertTrue({b"INBOX", b"Work", b"Q.R"} <= lists, lists)
        self.assertEqual(len(u["STATUS"]), 3)

    def test_status(self):
        m = self.imap()
        m.select("INBOX")
        uidv = int(m.untagged_responses["UIDVALIDITY"][0])
        m2 = self.imap()
        typ, data = m2.status("INBOX", "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ)")
        self.assertEqual(typ, "OK", data)
        it = sexp(data[0])
        self.assertEqual(it[0].upper(), b"INBOX")
        st = dict(zip([str(x) for x in it[1][::2]], [int(x) for x in it[1][1::2]]))
        self.assertEqual(st["MESSAGES"], 6)
        self.assertEqual(st["RECENT"], 0, "the first session took them")
        self.assertEqual(st["UIDNEXT"], 7)
        self.assertEqual(st["UIDVALIDITY"], uidv)
        self.assertEqual(st["UNSEEN"], 3)
        self.assertGreater(st["HIGHESTMODSEQ"], 0)
        self.assertEqual(m2.status("Nope", "(MESSAGES)")[0], "NO")
        self.assertEqual(m2.status("INBOX", "(BOGUS)")[0], "BAD")
        self.assertEqual(m2.status("INBOX", "()")[0], "BAD")

    # --- APPEND --------------------------------------------------------------
    def test_append(self):
        m = self.imap(select="INBOX")
        uidv = int(m.untagged_responses["UIDVALIDITY"][0])
        when = utc(2025, 1, 2, 3, 4, 5)
        m.untagged_responses.clear()
        typ, data = m.append("INBOX", "(\\Seen \\Answered $Forwarded Work_Item)",
                             '"02-Jan-2025 03:04:05 +0000"',
                             b"Subject: appended\r\n\r\nhello\r\n")
        self.assertEqual(typ, "OK", data)
        mt = re.match(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
        self.assertEqual((int(mt.group(1)), int(mt.group(2))), (uidv, 7))
        m.noop()
        self.assertEqual(m.untagged_responses.get("EXISTS", [b"0"])[-1], b"7")
        d = self.fetch(m, "7", "(FLAGS INTERNALDATE RFC822.SIZE UID)")[7]
        self.assertEqual(set(d["FLAGS"]) - {"\\Recent"},
                         {"\\Seen", "\\Answered", "$Forwarded", "Work_Item"})
        self.assertEqual(int(d["UID"]), 7)
        self.assertEqual(int(d["RFC822.SIZE"]), len(b"Subject: appended\r\n\r\nhello\r\n"))
        self.assertEqual(calendar_ts(d["INTERNALDATE"]), when)
        fl = [f for f in disk_flags(self.env, "lbalice").values() if f and "P" in f]
        self.assertEqual(fl, ["PRS"], "$Forwarded is P on disk")
        with open(os.path.join(self.md, "letterbox-uidlist")) as f:
            self.assertIn("Work_Item", f.read())
        # Without flags and date: now, no flags.
        typ, data = m.append("INBOX", None, None, b"Subject: plain\r\n\r\nx\r\n")
        self.assertEqual(typ, "OK")
        self.assertIn(b"APPENDUID %d 8" % uidv, data[0])
        # Into a missing mailbox: NO [TRYCREATE]; a bad date or flag: BAD.
        typ, data = m.append("Nope", None, None, b"Subject: x\r\n\r\nx\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])
        self.assertEqual(m.append("INBOX", None, '"31-Feb-2025 00:00:00 +0000"',
                                  b"Subject: x\r\n\r\nx\r\n")[0], "BAD")
        self.assertEqual(m.append("INBOX", None, '"not a date"', b"x\r\n")[0], "BAD")
        self.assertEqual(m.append("INBOX", "(\\Bogus)", None, b"x\r\n")[0], "BAD")
        self.assertEqual(self.count_files(), 8)

    def test_append_literal_plus(self):
        r = Raw(self.port)
        r.login()
        msg = b"Subject: literal plus\r\n\r\nbody\r\n"
        r.send(b"A1 APPEND INBOX (\\Flagged) {%d+}\r\n%s\r\nA2 NOOP\r\n" % (len(msg), msg))
        out = r.until(b"A1")
        self.assertFalse(any(ln.startswith(b"+") for ln in out), out)
        self.assertRegex(out[-1], rb"^A1 OK \[APPENDUID \d+ 7\]")
        self.assertTrue(r.until(b"A2")[-1].startswith(b"A2 OK"))
        # A synchronizing literal waits for "+".
        r.send(b"A3 APPEND INBOX {%d}\r\n" % len(msg))
        self.assertTrue(r.line().startswith(b"+"))
        r.send(msg + b"\r\n")
        self.assertRegex(r.until(b"A3")[-1], rb"^A3 OK \[APPENDUID \d+ 8\]")
        # LITERAL+ in other commands: a mailbox name.
        r.send(b"A4 CREATE {4+}\r\nLit1\r\n")
        self.assertTrue(r.until(b"A4")[-1].startswith(b"A4 OK"))
        r.close()
        self.assertTrue(os.path.isdir(self.folder_dir("Lit1")))
        fl = sorted(f for f in disk_flags(self.env, "lbalice").values() if f is not None)
        self.assertIn("F", fl)

    # --- CHECK / CLOSE / UNSELECT / EXPUNGE --------------------------------
    def test_check_close_unselect(self):
        m = self.imap(select="INBOX")
        self.assertEqual(m.check()[0], "OK")
        m.store("1,2", "+FLAGS.SILENT", "(\\Deleted)")
        typ, data, u = self.cmd(m, "UNSELECT")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.cmd(m, "FETCH", "1", "FLAGS")[0], "BAD", "unselected")
        self.assertEqual(self.cmd(m, "UNSELECT")[0], "BAD")
        self.assertEqual(self.count_files(), 6, "UNSELECT does not expunge")
        m.select("INBOX")
        m.untagged_responses.clear()
        typ, data = m.close()
        self.assertEqual(typ, "OK")
        self.assertNotIn("EXPUNGE", m.untagged_responses, "CLOSE expunges silently")
        self.assertEqual(self.count_files(), 3, "1, 2 and 4 (\\Deleted) are gone")
        self.assertEqual(self.cmd(m, "CLOSE")[0], "BAD")
        self.assertEqual(m.select("INBOX"), ("OK", [b"3"]))
        d = self.fetch(m, "1:*", "(UID)")
        self.assertEqual(sorted(int(v["UID"]) for v in d.values()), [3, 5, 6])

    def test_expunge_numbering(self):
        msgs = [(b"Subject: m%d\n\nx\n" % i, "S", utc(2024, 1, 1 + i)) for i in range(1, 12)]
        put_messages(self.env, "lbalice", msgs)
        m = self.imap(select="INBOX")
        # RFC 3501 7.4.1 example: deleting 3, 4, 7 and 11.
        m.store("3,4,7,11", "+FLAGS.SILENT", "(\\Deleted)")
        m.untagged_responses.clear()
        typ, data = m.expunge()
        self.assertEqual(typ, "OK")
        seqs = [int(x) for x in data if x is not None]
        live = list(range(1, 12))
        for n in seqs:
            self.assertGreaterEqual(n, 1)
            self.assertLessEqual(n, len(live))
            del live[n - 1]
        self.assertEqual(live, [1, 2, 5, 6, 8, 9, 10], seqs)
        d = self.fetch(m, "1:*", "(UID)")
        self.assertEqual([int(d[k]["UID"]) for k in sorted(d)], [1, 2, 5, 6, 8, 9, 10])
        self.assertEqual(self.count_files(), 7)
        # UID EXPUNGE removes only the named \Deleted ones (RFC 4315 2.1).
        m.store("1:3", "+FLAGS.SILENT", "(\\Deleted)")
        m.untagged_responses.clear()
        typ, data = m.uid("EXPUNGE", "2:5")
        self.assertEqual(typ, "OK")
        self.assertEqual(after_expunges([1, 2, 5, 6, 8, 9, 10], m.untagged_responses["EXPUNGE"]),
                         [1, 6, 8, 9, 10], "UIDs 2 and 5 go; 1 is \\Deleted but not named")
        d = self.fetch(m, "1:*", "(UID FLAGS)")
        self.assertEqual([int(d[k]["UID"]) for k in sorted(d)], [1, 6, 8, 9, 10])
        self.assertIn("\\Deleted", d[1]["FLAGS"])
        self.assertEqual(m.uid("EXPUNGE", "")[0], "BAD")

    # --- COPY / MOVE -----------------------------------------------------------
    def test_copy(self):
        m = self.imap()
        m.create("Work")
        m.select("Work")
        wuidv = int(m.untagged_responses["UIDVALIDITY"][0])
        m.select("INBOX")
        m.store("1", "+FLAGS", "(Keyword1)")
        typ, data = m.copy("1:3", "Work")
        self.assertEqual(typ, "OK", data)
        mt = re.search(rb"\[COPYUID (\d+) (\S+) (\S+)\]", data[0])
        self.assertEqual(int(mt.group(1)), wuidv)
        self.assertEqual(mt.group(2), b"1:3")
        self.assertEqual(mt.group(3), b"1:3")
        typ, data = m._simple_command("UID", "COPY", "5,6", "Work")
        self.assertEqual(typ, "OK")
        mt = re.search(rb"\[COPYUID \d+ (\S+) (\S+)\]", data[0])
        self.assertEqual((mt.group(1), mt.group(2)), (b"5:6", b"4:5"))
        self.assertEqual(self.count_files("Work"), 5)
        self.assertEqual(self.count_files(), 6, "COPY leaves the source")
        typ, data = m.copy("1", "Nope")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[TRYCREATE]", data[0])
        # A UID set with no messages: OK, no COPYUID.
        typ, data = m._simple_command("UID", "COPY", "100:200", "Work")
        self.assertEqual(typ, "OK")
        self.assertNotIn(b"COPYUID", data[0])
        self.assertEqual(m.copy("7", "Work")[0], "BAD", "no message 7")
        m2 = self.imap(select="Work")
        d = self.fetch(m2, "1:5", "(FLAGS BODY.PEEK[])")
        self.assertIn("Keyword1", d[1]["FLAGS"])
        self.assertIn("\\Answered", d[2]["FLAGS"])
        self.assertEqual(d[3]["BODY[]"], crlf(M3))
        self.assertEqual(d[4]["BODY[]"], crlf(M5))

    def test_recent_after_copy_and_append(self):
        """RFC 3501 2.3.2: a message COPYed or APPENDed into a mailbox
        nobody has selected is \\Recent for the next session that SELECTs
        it, and only that one; STATUS and EXAMINE take nothing."""
        m = self.imap(select="INBOX")
        m.create("Archive")
        self.assertEqual(m.copy("1:2", "Archive")[0], "OK")
        self.assertEqual(m.append("Archive", None, None, crlf(M1))[0], "OK")
        typ, data = m.status("Archive", "(MESSAGES RECENT)")
        self.assertIn(b"(MESSAGES 3 RECENT 3)", data[0])
        ex = self.imap(select="Archive", readonly=True)
        self.assertEqual(ex.untagged_responses["RECENT"], [b"0"])
        self.assertNotIn("\\Recent", self.fetch(ex, "1", "(FLAGS)")[1]["FLAGS"])
        m2 = self.imap(select="Archive")
        self.assertEqual(m2.untagged_responses["RECENT"], [b"3"])
        d = self.fetch(m2, "1:3", "(FLAGS)")
        for i in (1, 2, 3):
            self.assertIn("\\Recent", d[i]["FLAGS"])
        # Now m2 has them: a third session and STATUS see none.
        self.assertIn(b"RECENT 0", m.status("Archive", "(RECENT)")[1][0])
        m3 = self.imap(select="Archive")
        self.assertEqual(m3.untagged_responses["RECENT"], [b"0"])
        # A COPY while m2 has Archive selected: m2's next sync takes it.
        self.assertEqual(m.copy("3", "Archive")[0], "OK")
        m2.untagged_responses.clear()
        typ, data = m2.noop()
        self.assertEqual(m2.untagged_responses.get("EXISTS"), [b"4"])
        self.assertEqual(m2.untagged_responses.get("RECENT"), [b"4"])
        self.assertIn("\\Recent", self.fetch(m2, "4", "(FLAGS)")[4]["FLAGS"])
        m3.noop()
        self.assertNotIn("\\Recent", self.fetch(m3, "4", "(FLAGS)")[4]["FLAGS"])

    def test_move(self):
        m = self.imap()
        m.create("Trash")
        m.select("INBOX")
        r = Raw(self.port)
        r.login()
        r.cmd(b"S", b"SELECT INBOX")
        out = r.cmd(b"M", b"MOVE 2:3 Trash")
        self.assertRegex(out[0], rb"^\* OK \[COPYUID \d+ 2:3 1:2\]")
        self.assertEqual(after_expunges(range(1, 7), [ln.split()[1] for ln in out[1:3]]), [1, 4, 5, 6])
        self.assertTrue(all(ln.endswith(b" EXPUNGE\r\n") for ln in out[1:3]))
        self.assertTrue(out[-1].startswith(b"M OK"), out)
        out = r.cmd(b"U", b"UID MOVE 6 Trash")
        self.assertRegex(out[0], rb"^\* OK \[COPYUID \d+ 6 3\]")
        self.assertEqual(out[1], b"* 4 EXPUNGE\r\n", "UID 6 is now message 4")
        self.assertTrue(out[-1].startswith(b"U OK"))
        out = r.cmd(b"N", b"MOVE 1 Nope")
        self.assertRegex(out[-1], rb"^N NO \[TRYCREATE\]")
        r.close()
        self.assertEqual(self.count_files(), 3)
        self.assertEqual(self.count_files("Trash"), 3)
        m.untagged_responses.clear()
        m.noop()
        self.assertEqual(len(m.untagged_responses.get("EXPUNGE", [])), 3)
        d = self.fetch(m, "1:*", "(UID)")
        self.assertEqual(sorted(int(v["UID"]) for v in d.values()), [1, 4, 5])
        m.select("Trash")
        d = self.fetch(m, "1:3", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn("\\Answered", d[1]["FLAGS"])
        self.assertIn(b"Invoice 42", d[3]["BODY[HEADER.FIELDS (SUBJECT)]"])

    # --- STORE ---------------------------------------------------------------
    def test_store(self):
        m = self.imap(select="INBOX")
        base = os.path.basename(self.names[0])

        def flags_on_disk():
            return disk_flags(self.env, "lbalice")[base.partition(":2,")[0]]
        typ, data = m.store("1", "FLAGS", "(\\Seen \\Flagged)")
        self.assertEqual(typ, "OK")
        d = fetch_dict(data)
        self.assertEqual(set(d[1]["FLAGS"]) - {"\\Recent"}, {"\\Seen", "\\Flagged"})
        self.assertEqual(flags_on_disk(), "FS")
        typ, data = m.store("1", "+FLAGS", "(\\Answered $Forwarded)")
        self.assertEqual(flags_on_disk(), "FPRS")
        typ, data = m.store("1", "-FLAGS", "(\\Flagged $Forwarded)")
        self.assertEqual(set(fetch_dict(data)[1]["FLAGS"]) - {"\\Recent"}, {"\\Seen", "\\Answered"})
        self.assertEqual(flags_on_disk(), "RS")
        # .SILENT: no FETCH response.
        m.untagged_responses.clear()
        typ, data = m.store("1", "+FLAGS.SILENT", "(\\Draft)")
        self.assertEqual(typ, "OK")
        self.assertEqual(data, [None])
        self.assertEqual(flags_on_disk(), "DRS")
        # Keywords: a new one is announced in FLAGS and kept per folder.
        typ, data = m.store("2:3", "+FLAGS", "(Project_X $Label1)")
        self.assertEqual(typ, "OK")
        self.assertEqual(self.search(m, "KEYWORD", "Project_X"), [2, 3])
        self.assertEqual(self.search(m, "KEYWORD", "project_x"), [2, 3], "case-insensitive")
        m2 = self.imap(select="INBOX")
        self.assertIn(b"Project_X", m2.untagged_responses["FLAGS"][0])
        d = self.fetch(m2, "2", "(FLAGS)")
        self.assertIn("Project_X", d[2]["FLAGS"])
        self.assertIn("$Label1", d[2]["FLAGS"])
        m.store("2", "-FLAGS", "(Project_X)")
        self.assertEqual(self.search(m, "KEYWORD", "Project_X"), [3])
        # FLAGS () clears all.
        m.store("3", "FLAGS", "()")
        self.assertEqual(set(self.fetch(m, "3", "FLAGS")[3]["FLAGS"]) - {"\\Recent"}, set())
        self.assertEqual(disk_flags(self.env, "lbalice")[os.path.basename(self.names[2]).partition(":2,")[0]], "")
        # UID STORE, and bad STOREs.
        typ, data = m.uid("STORE", "6", "+FLAGS", "(\\Flagged)")
        d = fetch_dict(data)
        self.assertEqual(int(d[6]["UID"]), 6, "UID STORE includes UID")
        self.assertEqual(m.store("1", "+FLAGS", "(\\Bogus)")[0], "BAD")
        self.assertEqual(m.store("1", "BOGUS", "(\\Seen)")[0], "BAD")
        self.assertEqual(m.store("9", "+FLAGS", "(\\Seen)")[0], "BAD")
        self.assertEqual(m.store("1", "+FLAGS", "(\\Recent)")[0] in ("OK", "BAD"), True)

    # --- FETCH ---------------------------------------------------------------
    def test_fetch_simple_items(self):
        m = self.imap(select="INBOX")
        d = self.fetch(m, "1:6", "(UID FLAGS INTERNALDATE RFC822.SIZE)")
        self.assertEqual(sorted(d), [1, 2, 3, 4, 5, 6])
        for i, msg in enumerate(MSGS, 1):
            self.assertEqual(int(d[i]["RFC822.SIZE"]), len(crlf(msg)), i)
            self.assertEqual(int(d[i]["UID"]), i)
            self.assertEqual(calendar_ts(d[i]["INTERNALDATE"]), DATES[i - 1])
        self.assertEqual(set(d[2]["FLAGS"]) - {"\\Recent"}, {"\\Answered", "\\Seen"})
        self.assertEqual(set(d[4]["FLAGS"]) - {"\\Recent"}, {"\\Deleted", "\\Seen"})
        self.assertEqual(set(d[5]["FLAGS"]) - {"\\Recent"}, {"\\Draft", "\\Seen"})
        # Macros (6.4.5).
        d = self.fetch(m, "2", "FAST")[2]
        self.assertEqual(set(d), {"FLAGS", "INTERNALDATE", "RFC822.SIZE"})
        d = self.fetch(m, "2", "ALL")[2]
        self.assertEqual(set(d), {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"})
        d = self.fetch(m, "2", "FULL")[2]
        self.assertEqual(set(d), {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"})
        # '*' and ranges in either order.
        self.assertEqual(sorted(self.fetch(m, "*:5", "UID")), [5, 6])
        self.assertEqual(sorted(self.fetch(m, "6:5", "UID")), [5, 6])
        # UID FETCH always includes UID; unknown UIDs are ignored.
        d = self.fetch(m, "2,4,100:*", "FLAGS", uid=True)
        self.assertEqual(sorted(d), [2, 4, 6], "100:* is 6:100, names the last")
        self.assertEqual(int(d[4]["UID"]), 4)
        d = self.fetch(m, "50:60", "FLAGS", uid=True)
        self.assertEqual(d, {})
        self.assertEqual(m.fetch("7", "FLAGS")[0], "BAD")
        self.assertEqual(m.fetch("0", "FLAGS")[0], "BAD")
        self.assertEqual(m.fetch("1", "(BOGUS)")[0], "BAD")
        self.assertEqual(m.fetch("1", "BODY[1.0]")[0], "BAD")
        self.assertEqual(m.fetch("1", "BODY[]<5.0>")[0], "BAD", "count is nz-number")
        self.assertEqual(m.fetch("1", "BODY[]<5>")[0], "BAD")

    def test_fetch_envelope(self):
        m = self.imap(select="INBOX")
        d = self.fetch(m, "1:2", "ENVELOPE")
        e = d[1]["ENVELOPE"]
        self.assertEqual(e[0], b"Mon, 01 Jan 2024 10:00:00 +0000")
        self.assertEqual(e[1], b"Meeting tomorrow")
        alice = [[b"Alice Example", None, b"alice", b"example.org"]]
        self.assertEqual(e[2], alice)
        self.assertEqual(e[3], alice, "sender defaults to from")
        self.assertEqual(e[4], alice, "reply-to defaults to from")
        self.assertEqual(e[5], [[None, None, b"bob", b"example.org"]])
        self.assertEqual(e[6], [[None, None, b"carol", b"example.org"]])
        self.assertIsNone(e[7])
        self.assertIsNone(e[8])
        self.assertEqual(e[9], b"<m1@example.org>")
        e = d[2]["ENVELOPE"]
        self.assertEqual(e[7], [[None, None, b"dave", b"example.com"]])
        self.assertEqual(e[8], b"<m1@example.org>")
        self.assertIsNone(e[9])
        # The encoded subject is returned as it is, undecoded.
        e = self.fetch(m, "3", "ENVELOPE")[3]["ENVELOPE"]
        self.assertEqual(e[1], b"=?windows-1251?B?z/Do4uXyIOzo8A==?=")

    def test_fetch_bodystructure(self):
        m = self.imap(select="INBOX")
        d = self.fetch(m, "1,3,4", "(BODYSTRUCTURE BODY BODY.PEEK[] BODY.PEEK[TEXT])")
        b1 = d[1]["BODYSTRUCTURE"]
        self.assertEqual([x.upper() for x in b1[0:2]], [b"TEXT", b"PLAIN"])
        self.assertEqual([x.upper() for x in b1[2]], [b"CHARSET", b"US-ASCII"])
        self.assertIsNone(b1[3])
        self.assertIsNone(b1[4])
        self.assertEqual(b1[5].upper(), b"7BIT")
        self.assertEqual(int(b1[6]), len(d[1]["BODY[TEXT]"]))
        self.assertEqual(int(b1[7]), 2, "body lines")
        self.assertEqual(d[1]["BODY"], b1[:8], "BODY is BODYSTRUCTURE without extensions")
        b3 = d[3]["BODYSTRUCTURE"]
        self.assertEqual([x.upper() for x in b3[2]], [b"CHARSET", b"KOI8-R"])
        self.assertEqual(b3[5].upper(), b"QUOTED-PRINTABLE")
        b4 = d[4]["BODYSTRUCTURE"]
        nparts = next(i for i, p in enumerate(b4) if not isinstance(p, list))
        self.assertEqual(nparts, 3)
        self.assertEqual(b4[3].upper(), b"MIXED")
        self.assertEqual([b4[4][0].upper(), b4[4][1]], [b"BOUNDARY", b"XYZ"])
        body4 = d[4]["BODY"]
        self.assertEqual(len(body4), 4, "BODY: no multipart extension data")
        self.assertEqual(body4[3].upper(), b"MIXED")
        self.assertEqual(body4[0], b4[0][:8])
        self.assertEqual(body4[1], b4[1][:8])
        p1, p2, p3 = b4[:3]
        self.assertEqual([x.upper() for x in p1[:2]], [b"TEXT", b"PLAIN"])
        self.assertEqual(p2[5].upper(), b"BASE64")
        params = dict(zip([k.lower() for k in p2[2][::2]], p2[2][1::2]))
        self.assertEqual(params[b"name"], b"r.txt")
        self.assertIsNone(p2[8], "no MD5")
        disp = p2[9]
        self.assertEqual(disp[0].upper(), b"ATTACHMENT")
        self.assertEqual([x.lower() if i == 0 else x for i, x in enumerate(disp[1])],
                         [b"filename", b"r.txt"])
        self.assertEqual([x.upper() for x in p3[:2]], [b"MESSAGE", b"RFC822"])
        env, inner, lines = p3[7], p3[8], p3[9]
        self.assertEqual(env[1], b"inner message")
        self.assertEqual([x.upper() for x in inner[:2]], [b"TEXT", b"PLAIN"])
        # Sizes in the structure are the lengths of the sections.
        secs = self.fetch(m, "4", "(BODY.PEEK[1] BODY.PEEK[2] BODY.PEEK[3] BODY.PEEK[3.1] "
                                  "BODY.PEEK[3.TEXT] BODY.PEEK[3.HEADER] BODY.PEEK[1.MIME] "
                                  "BODY.PEEK[2.MIME] BODY.PEEK[HEADER] BODY.PEEK[TEXT])")[4]
        self.assertEqual(int(p1[6]), len(secs["BODY[1]"]))
        self.assertEqual(int(p2[6]), len(secs["BODY[2]"]))
        self.assertEqual(int(p3[6]), len(secs["BODY[3]"]))
        self.assertEqual(int(inner[6]), len(secs["BODY[3.1]"]))
        # Lines: CRLFs, or CRLFs plus an unterminated last line; either way
        # the same convention for every part.
        n3 = secs["BODY[3]"].count(b"\r\n")
        self.assertIn(int(lines), (n3, n3 + 1))
        self.assertEqual(int(p1[7]) - secs["BODY[1]"].count(b"\r\n"), int(lines) - n3)
        self.assertEqual(secs["BODY[1]"], b"See the attached report.")
        self.assertEqual(secs["BODY[2]"], b"VGhlIGhpZGRlbiBuZWVkbGUgaXMgaGVyZS4K")
        self.assertEqual(secs["BODY[3]"], b"From: inner@example.org\r\nSubject: inner message\r\n"
                                          b"\r\ninner body")
        self.assertEqual(secs["BODY[3.TEXT]"], b"inner body")
        self.assertEqual(secs["BODY[3.1]"], b"inner body")
        self.assertEqual(secs["BODY[3.HEADER]"],
                         b"From: inner@example.org\r\nSubject: inner message\r\n\r\n")
        self.assertEqual(secs["BODY[1.MIME]"], b"Content-Type: text/plain; charset=us-ascii\r\n\r\n")
        self.assertTrue(secs["BODY[2.MIME]"].startswith(b"Content-Type: text/plain; name="))
        self.assertTrue(secs["BODY[2.MIME]"].endswith(b"filename=\"r.txt\"\r\n\r\n"))
        self.assertEqual(secs["BODY[HEADER]"] + secs["BODY[TEXT]"], crlf(M4))
        self.assertEqual(d[4]["BODY[]"], crlf(M4))
        # A non-existent part is empty, a part of a leaf too.
        e = self.fetch(m, "4", "(BODY.PEEK[9] BODY.PEEK[1.1])")[4]
        self.assertEqual(e.get("BODY[9]"), b"")
        # The BODYSTRUCTURE of a single part message has part 1 = TEXT.
        e = self.fetch(m, "1", "(BODY.PEEK[1] BODY.PEEK[TEXT])")[1]
        self.assertEqual(e["BODY[1]"], e["BODY[TEXT]"])

    def test_fetch_sections_and_partial(self):
        m = self.imap(select="INBOX")
        full = crlf(M1)
        hdr, _, text = full.partition(b"\r\n\r\n")
        d = self.fetch(m, "1", "(BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
                               "BODY.PEEK[HEADER.FIELDS (Subject FROM x-missing)] "
                               "BODY.PEEK[HEADER.FIELDS.NOT (Subject From)] "
                               "BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<4.9> "
                               "BODY.PEEK[]<100000.10> "
                               "RFC822.HEADER)")[1]
        self.assertEqual(d["BODY[HEADER]"], hdr + b"\r\n\r\n")
        self.assertEqual(d["BODY[TEXT]"], text)
        hf = [k for k in d if k.startswith("BODY[HEADER.FIELDS (")]
        self.assertEqual(len(hf), 1)
        self.assertEqual(d[hf[0]], b"From: Alice Example <alice@example.org>\r\n"
                                   b"Subject: Meeting tomorrow\r\n\r\n")
        hn = [k for k in d if k.startswith("BODY[HEADER.FIELDS.NOT")]
        self.assertEqual(d[hn[0]], b"To: bob@example.org\r\nCc: carol@example.org\r\n"
                                   b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
                                   b"Message-ID: <m1@example.org>\r\n\r\n")
        self.assertEqual(d["BODY[]<0>"], full[:10])
        self.assertEqual(d["BODY[TEXT]<4>"], text[4:13])
        self.assertEqual(d["BODY[]<100000>"], b"")
        self.assertEqual(d["RFC822.HEADER"], hdr + b"\r\n\r\n")
        d = self.fetch(m, "1", "FLAGS")[1]
        self.assertNotIn("\\Seen", d["FLAGS"], "PEEK and RFC822.HEADER do not set \\Seen")
        # The literal lengths are exact: check on the wire.
        r = Raw(self.port)
        r.login()
        r.cmd(b"S", b"EXAMINE INBOX")
        r.send(b"F FETCH 1:6 (BODY.PEEK[] RFC822.SIZE)\r\n")
        seen = 0
        while True:
            ln = r.line()
            if ln.startswith(b"F "):
                break
            mt = re.search(rb"RFC822\.SIZE (\d+)", ln)
            lit = re.search(rb"\{(\d+)\}\r\n$", ln)
            self.assertIsNotNone(lit, ln)
            body = r.f.read(int(lit.group(1)))
            rest = r.line()
            size = mt or re.search(rb"RFC822\.SIZE (\d+)", rest)
            self.assertEqual(int(size.group(1)), len(body))
            seen += 1
        self.assertEqual(seen, 6)
        r.close()

    def test_fetch_implicit_seen(self):
        m = self.imap(select="INBOX")
        base1 = os.path.basename(self.names[0])
        d = self.fetch(m, "1", "BODY[TEXT]")[1]
        self.assertIn("\\Seen", d["FLAGS"], "FLAGS sent with the implicit change (6.4.5)")
        self.assertEqual(disk_flags(self.env, "lbalice")[base1], "S")
        m.store("1", "-FLAGS", "(\\Seen)")
        d = self.fetch(m, "1", "RFC822")[1]
        self.assertEqual(d["RFC822"], crlf(M1))
        self.assertIn("\\Seen", d["FLAGS"])
        m.store("1", "-FLAGS", "(\\Seen)")
        d = self.fetch(m, "1", "RFC822.TEXT")[1]
        self.assertIn("\\Seen", d["FLAGS"])
        m.store("1", "-FLAGS", "(\\Seen)")
        self.fetch(m, "1", "(BODY[]<0.5>)")
        self.assertIn("\\Seen", self.fetch(m, "1", "FLAGS")[1]["FLAGS"])
        # A message seen already gets no FLAGS it did not ask for.
        d = self.fetch(m, "2", "BODY[]")[2]
        self.assertEqual(d["BODY[]"], crlf(M2))
        # UID FETCH sets it too.
        m.store("1", "-FLAGS", "(\\Seen)")
        d = self.fetch(m, "1", "BODY[HEADER]", uid=True)[1]
        self.assertIn("\\Seen", d["FLAGS"])

    # --- SEARCH --------------------------------------------------------------
    def test_search_keys(self):
        m = self.imap(select="INBOX")
        m.store("6", "+FLAGS", "($Label1)")
        S = self.search
        self.assertEqual(S(m, "ALL"), [1, 2, 3, 4, 5, 6])
        self.assertEqual(S(m, "ANSWERED"), [2])
        self.assertEqual(S(m, "UNANSWERED"), [1, 3, 4, 5, 6])
        self.assertEqual(S(m, "DELETED"), [4])
        self.assertEqual(S(m, "UNDELETED"), [1, 2, 3, 5, 6])
        self.assertEqual(S(m, "DRAFT"), [5])
        self.assertEqual(S(m, "UNDRAFT"), [1, 2, 3, 4, 6])
        self.assertEqual(S(m, "FLAGGED"), [3])
        self.assertEqual(S(m, "UNFLAGGED"), [1, 2, 4, 5, 6])
        self.assertEqual(S(m, "SEEN"), [2, 4, 5])
        self.assertEqual(S(m, "UNSEEN"), [1, 3, 6])
        self.assertEqual(S(m, "KEYWORD", "$Label1"), [6])
        self.assertEqual(S(m, "UNKEYWORD", "$Label1"), [1, 2, 3, 4, 5])
        self.assertEqual(S(m, "KEYWORD", "NeverUsed"), [])
        self.assertEqual(S(m, "RECENT"), [1, 2, 3, 4, 5, 6])
        self.assertEqual(S(m, "NEW"), [1, 3, 6])
        self.assertEqual(S(m, "OLD"), [])
        self.assertEqual(S(m, "BCC", "dave"), [2])
        self.assertEqual(S(m, "CC", "CAROL@"), [1])
        self.assertEqual(S(m, "FROM", "alice"), [1, 5])
        self.assertEqual(S(m, "FROM", '"Alice Example"'), [1])
        self.assertEqual(S(m, "TO", "alice@example.org"), [2, 3, 4, 6])
        self.assertEqual(S(m, "SUBJECT", "meeting"), [1, 2])
        self.assertEqual(S(m, "SUBJECT", '"re: MEETING"'), [2])
        self.assertEqual(S(m, "BODY", "noon"), [1])
        self.assertEqual(S(m, "BODY", "Meeting"), [], "BODY is not the header")
        self.assertEqual(S(m, "TEXT", "Meeting"), [1, 2])
        self.assertEqual(S(m, "TEXT", "noon"), [1])
        self.assertEqual(S(m, "BODY", "needle"), [4], "base64 part decoded")
        self.assertEqual(S(m, "BODY", '"inner body"'), [4])
        self.assertEqual(S(m, "HEADER", "X-Priority", "1"), [6])
        self.assertEqual(S(m, "HEADER", "x-priority", '""'), [6], "any value")
        self.assertEqual(S(m, "HEADER", "In-Reply-To", "m1@"), [2])
        self.assertEqual(S(m, "LARGER", "3000"), [5])
        self.assertEqual(S(m, "SMALLER", "200"), [2, 6])
        self.assertEqual(S(m, "LARGER", str(len(crlf(M2)) - 1), "SMALLER", str(len(crlf(M2)) + 1)), [2])
        self.assertEqual(S(m, "BEFORE", "5-Feb-2024"), [1])
        self.assertEqual(S(m, "ON", "5-Feb-2024"), [2])
        self.assertEqual(S(m, "SINCE", "15-Apr-2024"), [4, 5, 6])
        self.assertEqual(S(m, "SINCE", "21-May-2024"), [6])
        self.assertEqual(S(m, "SENTBEFORE", "10-Mar-2024"), [1, 2])
        self.assertEqual(S(m, "SENTON", "20-May-2024"), [5, 6])
        self.assertEqual(S(m, "SENTSINCE", "15-Apr-2024"), [4, 5, 6])
        self.assertEqual(S(m, "UID", "2:3,6"), [2, 3, 6])
        self.assertEqual(S(m, "2,4:5"), [2, 4, 5])
        self.assertEqual(S(m, "*"), [6])
        self.assertEqual(S(m, "UID", "*"), [6])
        # Combinations: AND by juxtaposition, OR, NOT, parentheses.
        self.assertEqual(S(m, "SEEN", "LARGER", "1000"), [5])
        self.assertEqual(S(m, "OR", "FROM", "alice", "FROM", "bob"), [1, 2, 5])
        self.assertEqual(S(m, "NOT", "SEEN"), [1, 3, 6])
        self.assertEqual(S(m, "NOT", "(OR SEEN FLAGGED)"), [1, 6])
        self.assertEqual(S(m, "(FROM alice SUBJECT meeting)"), [1])
        self.assertEqual(S(m, "OR", "(FROM alice SUBJECT draft)", "(NOT OR SEEN UNFLAGGED)"), [3, 5])
        self.assertEqual(S(m, "NOT", "NOT", "FLAGGED"), [3])
        self.assertEqual(S(m, "OR", "OR", "ANSWERED", "DRAFT", "FLAGGED"), [2, 3, 5])
        self.assertEqual(S(m, "((((ALL))))", "NOT", "((DELETED))"), [1, 2, 3, 5, 6])
        self.assertEqual(S(m, "1:3", "NOT", "2"), [1, 3])
        # UID SEARCH answers UIDs.
        m.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        m.expunge()
        self.assertEqual(S(m, "FLAGGED"), [2])
        self.assertEqual(S(m, "FLAGGED", uid=True), [3])
        self.assertEqual(S(m, "UID", "3:4", uid=True), [3])
        # Bad searches.
        for bad in (("BOGUS",), ("FROM",), ("OR", "SEEN"), ("BEFORE", "2024-01-01"),
                    ("LARGER", "x"), ("(SEEN",), ("HEADER", "X")):
            self.assertEqual(m._simple_command("SEARCH", *bad)[0], "BAD", bad)

    def test_search_charsets(self):
        m = self.imap(select="INBOX")
        self.assertEqual(self.search(m, "ALL", charset="US-ASCII"), [1, 2, 3, 4, 5, 6])
        self.assertEqual(self.search(m, "SUBJECT", "Meeting", charset="utf-8"), [1, 2])
        for key in ("BODY", "SUBJECT", "TEXT"):
            m.literal = PRIVET.encode("utf-8")
            self.assertEqual(self.search(m, key, charset="UTF-8"), [3], key)
        # "Привет" in the subject: case-insensitive beyond ASCII.
        m.literal = "ПРИВЕТ МИР".encode("utf-8")
        self.assertEqual(self.search(m, "SUBJECT", charset="UTF-8"), [3])
        m.literal = PRIVET.encode("koi8-r")
        self.assertEqual(self.search(m, "BODY", charset="KOI8-R"), [3])
        m.literal = "день".encode("windows-1251")
        self.assertEqual(self.search(m, "TEXT", charset="windows-1251"), [3])
        m.literal = "мир".encode("utf-8")
        self.assertEqual(self.search(m, "BODY", charset="UTF-8"), [], "мир is only in the subject")
        m.literal = PRIVET.encode("utf-8")
        self.assertEqual(self.search(m, "NOT", "BODY", charset="UTF-8"), [1, 2, 4, 5, 6])
        typ, data = m.search("X-UNKNOWN-CHARSET", "TEXT", "x")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[BADCHARSET", data[0])
        # Invalid UTF-8 in a UTF-8 search string is an error, not a match.
        m.literal = b"\xff\xfe"
        typ, data = m.search("UTF-8", "BODY")
        self.assertTrue(typ in ("NO", "BAD") or data == [b""], (typ, data))
        # KOI8-R via a raw synchronizing literal, as a real client sends it.
        r = Raw(self.port)
        r.login()
        r.cmd(b"S", b"SELECT INBOX")
        k = PRIVET.encode("koi8-r")
        r.send(b"K SEARCH CHARSET KOI8-R TEXT {%d}\r\n" % len(k))
        self.assertTrue(r.line().startswith(b"+"))
        r.send(k + b"\r\n")
        out = r.until(b"K")
        self.assertIn(b"* SEARCH 3\r\n", out)
        self.assertTrue(out[-1].startswith(b"K OK"))
        r.close()

    def test_esearch_and_searchres(self):
        m = self.imap(select="INBOX")

        def es(*args, uid=False):
            m.untagged_responses.clear()
            if uid:
                typ, data = m.uid("SEARCH", *args)
            else:
                typ, data = m._simple_command("SEARCH", *args)
            self.assertEqual(typ, "OK", (args, data))
            self.assertNotIn("SEARCH", m.untagged_responses)
            e = m.untagged_responses.get("ESEARCH")
            if e is None:
                return None
            it = sexp(e[0])
            self.assertEqual(str(it[0][0]).upper(), "TAG")
            rest = it[1:]
            isuid = bool(rest) and str(rest[0]).upper() == "UID"
            if isuid:
                rest = rest[1:]
            return isuid, dict(zip([str(x).upper() for x in rest[::2]], [str(x) for x in rest[1::2]]))
        self.assertEqual(es("RETURN", "(MIN MAX COUNT ALL)", "UNSEEN"),
                         (False, {"MIN": "1", "MAX": "6", "COUNT": "3", "ALL": "1,3,6"}))
        self.assertEqual(es("RETURN", "()", "2:5"), (False, {"ALL": "2:5"}))
        self.assertEqual(es("RETURN", "(COUNT)", "FLAGGED", uid=True), (True, {"COUNT": "1"}))
        self.assertEqual(es("RETURN", "(MIN MAX COUNT ALL)", "KEYWORD", "nothing"),
                         (False, {"COUNT": "0"}))
        # SEARCHRES: SAVE alone answers nothing, $ then names the result.
        self.assertIsNone(es("RETURN", "(SAVE)", "OR", "FLAGGED", "ANSWERED"))
        d = self.fetch(m, "$", "(UID)")
        self.assertEqual(sorted(d), [2, 3])
        d = self.fetch(m, "$", "(FLAGS)", uid=True)
        self.assertEqual(sorted(d), [2, 3])
        self.assertEqual(self.search(m, "NOT", "$"), [1, 4, 5, 6])
        self.assertEqual(self.search(m, "UID", "$"), [2, 3])
        typ, data = m._simple_command("UID", "COPY", "$", "INBOX")
        self.assertEqual(typ, "OK")
        self.assertIn(b"COPYUID", data[0])
        # SAVE with MIN saves the minimum only (RFC 5182 sec. 2.1).
        self.assertEqual(es("RETURN", "(SAVE MIN)", "SEEN"), (False, {"MIN": "2"}))
        self.assertEqual(self.search(m, "$"), [2])
        self.assertEqual(m._simple_command("SEARCH", "1,$")[0], "BAD", "$ stands alone")
        # After an expunge of the saved message, $ loses it.
        m.store("2", "+FLAGS.SILENT", "(\\Deleted)")
        m.uid("EXPUNGE", "2")
        self.assertEqual(self.search(m, "$"), [])
        # A new SELECT forgets the saved result (RFC 5182 sec. 2.1).
        es("RETURN", "(SAVE)", "ALL")
        m.select("INBOX")
        self.assertEqual(self.search(m, "$"), [])
        self.assertEqual(m._simple_command("SEARCH", "RETURN", "(BOGUS)", "ALL")[0], "BAD")

    # --- IDLE ------------------------------------------------------------------
    def test_idle(self):
        r = Raw(self.port)
        r.login()
        r.cmd(b"S", b"SELECT INBOX")
        r.send(b"I IDLE\r\n")
        self.assertTrue(r.line().startswith(b"+ "))
        m = self.imap(select="INBOX")
        m.store("2", "+FLAGS", "(\\Flagged)")
        ln = r.line()
        self.assertRegex(ln, rb"^\* 2 FETCH \(.*FLAGS \([^)]*\\Flagged")
        m.store("1", "+FLAGS.SILENT", "(\\Deleted)")
        m.expunge()
        # 1 and 4 (\Deleted in the fixture) go; a FETCH for 1 may come first.
        # Seen in one sync they are sent as 4 then 1; seen one at a time
        # (the files vanish one after the other) 1 goes first and the old
        # 4 is then number 3.  Both are right.
        got = [r.line(), r.line()]
        if b"FETCH" in got[0]:
            got = [got[1], r.line()]
        self.assertIn(got, ([b"* 4 EXPUNGE\r\n", b"* 1 EXPUNGE\r\n"],
                            [b"* 1 EXPUNGE\r\n", b"* 3 EXPUNGE\r\n"]))
        self.deliver(b"Subject: during idle\n\nx\n")
        self.assertEqual(r.line(), b"* 5 EXISTS\r\n")
        self.assertEqual(r.line(), b"* 5 RECENT\r\n", "4 left of ours, and the new one")
        r.send(b"DONE\r\n")
        self.assertTrue(r.line().startswith(b"I OK"))
        # IDLE ended by anything else than DONE is a BAD.
        r.send(b"J IDLE\r\n")
        self.assertTrue(r.line().startswith(b"+ "))
        r.send(b"NOTDONE\r\n")
        self.assertTrue(r.line().startswith(b"J BAD"))
        out = r.cmd(b"K", b"NOOP")
        self.assertTrue(out[-1].startswith(b"K OK"))
        # IDLE in the authenticated state works too.
        r.cmd(b"U", b"UNSELECT")
        r.send(b"L IDLE\r\n")
        self.assertTrue(r.line().startswith(b"+ "))
        r.send(b"DONE\r\n")
        self.assertTrue(r.line().startswith(b"L OK"))
        r.close()

    # --- CONDSTORE ---------------------------------------------------------------
    def test_condstore(self):
        m = self.imap()
        typ, data, u = self.cmd(m, "ENABLE", "CONDSTORE")
        self.assertEqual(typ, "OK")
        self.assertEqual(u["ENABLED"], [b"CONDSTORE"])
        typ, data, u = self.cmd(m, "ENABLE", "X-UNKNOWN")
        self.assertEqual(typ, "OK")
        self.assertEqual(u.get("ENABLED", [b""]), [b""], "unknown extensions are not enabled")
        m.select("INBOX")
        hms = int(m.untagged_responses["HIGHESTMODSEQ"][0])
        self.assertGreater(hms, 0)
        d = self.fetch(m, "1:6", "(MODSEQ)")
        mods = {k: int(v["MODSEQ"][0]) for k, v in d.items()}
        self.assertEqual(max(mods.values()), hms)
        # FLAGS comes with MODSEQ once CONDSTORE is on (RFC 7162 3.2.4).
        d = self.fetch(m, "1", "FLAGS")
        self.assertIn("MODSEQ", d[1])
        typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
        new1 = int(fetch_dict(data)[1]["MODSEQ"][0])
        self.assertGreater(new1, hms)
        # UNCHANGEDSINCE: a stale MODSEQ fails with [MODIFIED].
        typ, data = m._simple_command("STORE", "1,2", "(UNCHANGEDSINCE %d)" % hms, "+FLAGS", "(\\Draft)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"[MODIFIED 1]", data[-1] if data[-1] else b"", data)
        d = self.fetch(m, "1:2", "FLAGS")
        self.assertNotIn("\\Draft", d[1]["FLAGS"])
        self.assertIn("\\Draft", d[2]["FLAGS"])
        typ, data = m._simple_command("STORE", "1", "(UNCHANGEDSINCE %d)" % new1, "-FLAGS", "(\\Flagged)")
        self.assertEqual(typ, "OK")
        self.assertNotIn(b"MODIFIED", data[-1] or b"")
        # CHANGEDSINCE names only what changed.
        d = self.fetch(m, "1:*", "(FLAGS) (CHANGEDSINCE %d)" % hms)
        self.assertEqual(sorted(d), [1, 2])
        typ, data = m.search(None, "MODSEQ", str(hms + 1))
        top = max(int(v["MODSEQ"][0]) for v in self.fetch(m, "1:2", "MODSEQ").values())
        self.assertEqual(data[0], b"1 2 (MODSEQ %d)" % top, "highest of the matches (7162 3.1.5)")
        typ, data = m.status("INBOX", "(HIGHESTMODSEQ)")
        self.assertGreater(int(sexp(data[0])[1][1]), new1)
        self.assertEqual(m._simple_command("STORE", "1", "(UNCHANGEDSINCE x)", "+FLAGS", "(\\Seen)")[0], "BAD")

    # --- QUOTA ---------------------------------------------------------------
    def test_quota(self):
        total = sum(len(x) for x in MSGS)
        with open(os.path.join(self.md, "maildirsize"), "w") as f:
            f.write("1048576S,100C\n%d 6\n" % total)
        pw = self.env.user("lbalice")
        os.chown(os.path.join(self.md, "maildirsize"), pw.pw_uid, pw.pw_gid)
        m = self.imap()
        typ, data, u = self.cmd(m, "GETQUOTAROOT", "INBOX")
        self.assertEqual(typ, "OK")
        self.assertEqual(u["QUOTAROOT"], [b'INBOX ""'])
        q = sexp(u["QUOTA"][0])
        self.assertEqual(q[0], b"")
        res = dict(zip([str(x) for x in q[1][::3]], zip([int(x) for x in q[1][1::3]],
                                                        [int(x) for x in q[1][2::3]])))
        self.assertEqual(res["STORAGE"], ((total + 1023) // 1024, 1024))
        self.assertEqual(res["MESSAGE"], (6, 100))
        typ, data, u = self.cmd(m, "GETQUOTA", '""')
        self.assertEqual(typ, "OK")
        self.assertEqual(sexp(u["QUOTA"][0])[1], q[1])
        self.assertEqual(self.cmd(m, "GETQUOTA", "nosuchroot")[0], "NO")
        m.create("Work")
        typ, data, u = self.cmd(m, "GETQUOTAROOT", "Work")
        self.assertEqual(u["QUOTAROOT"], [b'Work ""'])
        self.assertNotEqual(self.cmd(m, "SETQUOTA", '""', "(STORAGE 1)")[0], "OK")
        # APPEND is counted; over the message limit it is refused.
        m.append("INBOX", None, None, b"Subject: q\r\n\r\nx\r\n")
        typ, data, u = self.cmd(m, "GETQUOTA", '""')
        self.assertEqual(int(sexp(u["QUOTA"][0])[1][4]), 7)
        with open(os.path.join(self.md, "maildirsize"), "w") as f:
            f.write("1048576S,7C\n%d 7\n" % total)
        typ, data = m.append("INBOX", None, None, b"Subject: q2\r\n\r\nx\r\n")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])
        m.select("INBOX")
        typ, data = m.copy("1", "Work")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[OVERQUOTA]", data[0])


def after_expunges(items, seqs):
    """What is left of items after "* n EXPUNGE" for each n in order."""
    live = list(items)
    for n in seqs:
        n = int(n)
        assert 1 <= n <= len(live), (n, live)
        del live[n - 1]
    return live


def calendar_ts(internaldate):
    """Seconds since the epoch of an INTERNALDATE string."""
    import calendar
    import datetime
    dt = datetime.datetime.strptime(internaldate.decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    return calendar.timegm(dt.utctimetuple())


if __name__ == "__main__":
    unittest.main()
