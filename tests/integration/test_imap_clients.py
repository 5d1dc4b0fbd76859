"""imapd with real clients and several writers at once: curl, mbsync (isync)
syncing a folder tree of ~1,000 messages both ways, fetchmail over IMAP, and
two imaplib sessions with deliveries and pop3d alongside."""
import imaplib
import os
import poplib
import re
import shutil
import subprocess
import unittest

import lbenv

ROOT = lbenv.ROOT


def have_imapd():
    return os.path.exists(os.path.join(ROOT, "imapd"))


def write_msg(md, folder, i, body, flags=""):
    d = md if folder == "INBOX" else os.path.join(md, "." + folder)
    name = "%d.M%dP1.gen%s" % (1700000000 + i, i, ":2," + flags if flags else "")
    sub = "cur" if flags else "new"
    with open(os.path.join(d, sub, name), "wb") as f:
        f.write(body)


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class ImapClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]
        cls.sport = cls.env.ports["imaps"]

    def imap(self, user="lbalice"):
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        m.login(user, lbenv.PASSWORD)
        return m

    def chown_tree(self, user):
        pw = self.env.user(user)
        for dp, dns, fns in os.walk(self.env.maildir(user)):
            os.chown(dp, pw.pw_uid, pw.pw_gid)
            for n in fns:
                os.chown(os.path.join(dp, n), pw.pw_uid, pw.pw_gid)

    def make_tree(self, user, counts):
        md = self.env.reset_maildir(user, [])
        for folder in counts:
            if folder != "INBOX":
                for sub in ("", "tmp", "new", "cur"):
                    os.makedirs(os.path.join(md, "." + folder, sub), exist_ok=True)
                open(os.path.join(md, "." + folder, "maildirfolder"), "w").close()
        n = 0
        for folder, count in counts.items():
            for i in range(count):
                n += 1
                body = ("From: s%d@example.org\nTo: %s@example.org\nSubject: msg %d in %s\n"
                        "Message-ID: <%d.gen@example.org>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n"
                        "Body of message %d.\n" % (n, user, i, folder, n, n)).encode()
                write_msg(md, folder, n, body, "S" if i % 3 == 0 else "")
        self.chown_tree(user)
        return md

    # --- curl -------------------------------------------------------------
    def test_curl(self):
        self.env.reset_maildir("lbalice", [b"Subject: one\n\nfirst\n", b"Subject: two\n\nsecond\n"])
        auth = "lbalice:" + lbenv.PASSWORD
        out = lbenv.run("curl", "-sS", "--user", auth,
                        "imap://127.0.0.1:%d/INBOX;UID=2" % self.port).stdout
        self.assertEqual(out, b"Subject: two\r\n\r\nsecond\r\n")
        out = lbenv.run("curl", "-sS", "-k", "--user", auth,
                        "imaps://127.0.0.1:%d/INBOX;UID=1" % self.sport).stdout
        self.assertEqual(out, b"Subject: one\r\n\r\nfirst\r\n")
        out = lbenv.run("curl", "-sS", "-k", "--ssl-reqd", "--user", auth,
                        "imap://127.0.0.1:%d/" % self.port).stdout
        self.assertIn(b"INBOX", out)

    # --- mbsync -----------------------------------------------------------
    def mbsync(self, rc):
        p = subprocess.run(["mbsync", "-c", rc, "-a"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        self.assertEqual(p.returncode, 0, p.stdout.decode("utf-8", "replace")[-3000:])
        return p.stdout.decode("utf-8", "replace")

    def local_count(self, local, folder):
        # mbsync maps the server's "." hierarchy to local directories.
        d = os.path.join(local, *folder.split("."))
        return sum(len(os.listdir(os.path.join(d, s))) for s in ("new", "cur"))

    def test_mbsync_tree_both_ways(self):
        counts = {"INBOX": 400, "Archive": 300, "Archive.2025": 200, "Work": 100}
        self.make_tree("lbbob", counts)
        base = os.path.join(self.env.dir, "mbsync")
        shutil.rmtree(base, ignore_errors=True)
        local = os.path.join(base, "local")
        os.makedirs(local)
        rc = os.path.join(base, "mbsyncrc")
        with open(rc, "w") as f:
            f.write('IMAPAccount lb\nHost localhost\nPort %d\nUser lbbob\nPass "%s"\n'
                    'SSLType IMAPS\nCertificateFile %s\n\n'
                    'IMAPStore far\nAccount lb\n\n'
                    'MaildirStore near\nPath %s/\nInbox %s/INBOX\nSubFolders Verbatim\n\n'
                    'Channel c\nFar :far:\nNear :near:\nPatterns *\nCreate Both\n'
                    'Expunge Both\nSyncState *\nSync All\n'
                    % (self.sport, lbenv.PASSWORD, self.env.cert, local, local))
        self.mbsync(rc)
        for folder, n in counts.items():
            self.assertEqual(self.local_count(local, folder), n, folder)
        # Flag changes both ways, a new local message, a new server message.
        inbox_cur = os.path.join(local, "INBOX", "cur")
        changed = 0
        for name in sorted(os.listdir(inbox_cur))[:10]:
            base_name, _, fl = name.partition(":2,")
            if "F" not in fl:
                os.rename(os.path.join(inbox_cur, name),
                          os.path.join(inbox_cur, base_name + ":2," + "".join(sorted(fl + "F"))))
                changed += 1
        m = self.imap("lbbob")
        m.select("Work")
        m.store("1:5", "+FLAGS", "(\\Flagged)")
        m.logout()
        p = subprocess.run([os.path.join(ROOT, "maildir-deliver"), "-d", "lbbob", "-m", "Work"],
                           input=b"Subject: late\n\nnew on the server\n")
        self.assertEqual(p.returncode, 0)
        with open(os.path.join(local, "Work", "new", "999.local.x"), "wb") as f:
            f.write(b"Subject: from local\n\nnew locally\n")
        self.mbsync(rc)
        self.assertEqual(self.local_count(local, "Work"), 102)
        m = self.imap("lbbob")
        typ, data = m.select("Work")
        self.assertEqual(int(data[0]), 102)
        typ, data = m.search(None, "FLAGGED")
        self.assertEqual(len(data[0].split()), 5)
        m.select("INBOX")
        typ, data = m.search(None, "FLAGGED")
        self.assertEqual(len(data[0].split()), changed)
        m.logout()
        work_cur = os.path.join(local, "Work", "cur")
        flagged_local = [n for n in os.listdir(work_cur) if "F" in n.partition(":2,")[2]]
        self.assertEqual(len(flagged_local), 5)
        # A third run has nothing to do: both sides stay exactly as they are.
        before = self.snapshot(local, counts)
        self.mbsync(rc)
        self.assertEqual(self.snapshot(local, counts), before)

    def snapshot(self, local, counts):
        """Local file names (with flags) and the server's UIDNEXT, message
        count and flags, per folder."""
        snap = {}
        m = self.imap("lbbob")
        for folder in counts:
            d = os.path.join(local, *folder.split("."))
            names = sorted(os.listdir(os.path.join(d, "new")) + os.listdir(os.path.join(d, "cur")))
            typ, st = m.status(folder, "(MESSAGES UIDNEXT)")
            m.select(folder, readonly=True)
            typ, fl = m.fetch("1:*", "(UID FLAGS)")
            snap[folder] = (names, st, sorted(fl))
        m.logout()
        return snap

    # --- fetchmail over IMAP --------------------------------------------------
    def test_fetchmail_imap(self):
        self.env.reset_maildir("lbcarol", [b"Subject: f%d\n\nbody %d\n" % (i, i) for i in range(5)])
        out_dir = os.path.join(self.env.dir, "fetched-imap")
        shutil.rmtree(out_dir, ignore_errors=True)
        os.mkdir(out_dir)
        rc = os.path.join(self.env.dir, "fetchmailrc-imap")
        with open(rc, "w") as f:
            f.write('poll 127.0.0.1 service %d protocol imap\n'
                    '  user "lbcarol" password "%s" is root here\n'
                    '  sslproto "" no keep\n'
                    '  mda "/bin/sh -c \'cat > %s/msg.$$\'"\n' % (self.port, lbenv.PASSWORD, out_dir))
        os.chmod(rc, 0o600)
        env = dict(os.environ, HOME=self.env.dir, FETCHMAILHOME=self.env.dir)
        p = subprocess.run(["fetchmail", "--nodetach", "--nosyslog", "-f", rc],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertEqual(len(os.listdir(out_dir)), 5)
        self.assertEqual(self.env.files("lbcarol"), [])

    # --- several writers at once ----------------------------------------
    def test_two_sessions_deliveries_and_pop3(self):
        self.env.reset_maildir("lbalice", [b"Subject: m%d\n\nx\n" % i for i in range(5)])
        a = self.imap()
        b = self.imap()
        a.select("INBOX")
        b.select("INBOX")
        for i in range(10):
            p = subprocess.run([os.path.join(ROOT, "maildir-deliver"), "-d", "lbalice"],
                               input=b"Subject: d%d\n\nx\n" % i)
            self.assertEqual(p.returncode, 0)
            if i == 3:
                a.store("1", "+FLAGS", "(\\Flagged)")
        b.untagged_responses.clear()
        b.noop()
        self.assertEqual(b.untagged_responses.get("EXISTS", [b"0"])[-1], b"15")
        fetches = b.untagged_responses.get("FETCH", [])
        self.assertTrue(any(b"\\Flagged" in f for f in fetches), fetches)
        # pop3d deletes message 2 meanwhile.
        pp = poplib.POP3("127.0.0.1", self.env.ports["pop3"], timeout=20)
        pp.user("lbalice")
        pp.pass_(lbenv.PASSWORD)
        pp.dele(2)
        pp.quit()
        a.untagged_responses.clear()
        a.noop()
        self.assertEqual(a.untagged_responses.get("EXPUNGE"), [b"2"])
        a.untagged_responses.clear()
        typ, data = a.fetch("1:*", "(UID)")
        self.assertEqual(typ, "OK", data)
        uids = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data]
        self.assertEqual(len(uids), 14)
        self.assertEqual(uids, sorted(set(uids)), "UIDs unique and increasing")
        b.untagged_responses.clear()
        b.noop()
        self.assertEqual(b.untagged_responses.get("EXPUNGE"), [b"2"])
        b.untagged_responses.clear()
        typ, data = b.fetch("1:*", "(UID)")
        self.assertEqual(len(data), 14, data)
        a.logout()
        b.logout()


if __name__ == "__main__":
    unittest.main()
