"""Faults: processes killed at random instants, a full or read-only disk,
clients that misbehave, and confinement tried from the attacker's side.
Real xinetd, real PAM, real chroot/setuid/seccomp (see lbenv).  Every
test is bounded in time; the file runs in about two minutes."""
import collections
import os
import pwd
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import imaphelp
import lbenv

ROOT = lbenv.ROOT
MID = re.compile(rb"^Message-ID: <m(\d+)@faults\.test>", re.M | re.I)


def have_imapd():
    return os.path.exists(os.path.join(ROOT, "imapd"))


def imapd_pids(user):
    """imapd processes running as user."""
    uid = lbenv.user_uid(user)
    out = []
    for pid in lbenv.procs_of("imapd"):
        try:
            if int(lbenv.status(pid)["Uid"].split()[0]) == uid:
                out.append(pid)
        except (OSError, KeyError):
            pass
    return out


def session_pids(user):
    """The session children of user."""
    return imapd_pids(user)


def net_pids():
    """The network children (the TLS relays after login)."""
    return imapd_pids(lbenv.NET_USER)


def wait_gone(user, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if not session_pids(user):
            return True
        time.sleep(0.01)
    return False


class Raw(imaphelp.Raw):
    def __init__(self, port, timeout=10):
        super().__init__(port, timeout)


def extra_xinetd(env, conf):
    """A second xinetd serving imapd with configuration conf, plain and
    implicit TLS: returns (process, port, TLS port)."""
    port = lbenv.free_port()
    tport = lbenv.free_port()
    text = ["defaults\n{\n\tlog_type = FILE %s\n}\n" % os.path.join(env.dir, "xinetd2.log"),
            env.xinetd_service("letterbox-imap", "imapfaults", "imapd", "-f %s" % conf, port),
            env.xinetd_service("letterbox-imaps", "imapsfaults", "imapd", "-f %s -T" % conf,
                               tport)]
    path = os.path.join(env.dir, "xinetd-faults.conf")
    with open(path, "w") as f:
        f.write("\n".join(text))
    p = subprocess.Popen(["xinetd", "-dontfork", "-f", path, "-pidfile",
                          os.path.join(env.dir, "xinetd2.pid")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lbenv.wait_port(port)
    lbenv.wait_port(tport)
    return p, port, tport


def syslog_mark():
    t = lbenv.syslog_text()
    return len(t) if t is not None else None


def syslog_since(mark):
    t = lbenv.syslog_text()
    if t is None or mark is None:
        return None
    return t[mark:]


# --- the Maildir as it is on disk -------------------------------------------
class Disk:
    """Read a Maildir: folder -> Counter(marker), with every file checked
    against what was sent, and the UID lists checked."""

    def __init__(self, test, md, sent):
        self.t, self.md, self.sent = test, md, sent

    def folders(self):
        out = {"INBOX": self.md}
        for n in os.listdir(self.md):
            p = os.path.join(self.md, n)
            if n.startswith(".") and n not in (".", "..") and os.path.isdir(p):
                out[n[1:]] = p
        return out

    def read(self):
        state, flags = {}, {}
        for name, path in self.folders().items():
            c = collections.Counter()
            for sub in ("new", "cur"):
                d = os.path.join(path, sub)
                if not os.path.isdir(d):
                    continue
                for fn in os.listdir(d):
                    with open(os.path.join(d, fn), "rb") as f:
                        data = f.read()
                    m = MID.search(data)
                    self.t.assertIsNotNone(m, "unknown file %s/%s/%s" % (name, sub, fn))
                    k = int(m.group(1))
                    want = self.sent[k]
                    self.t.assertTrue(data == want or data.endswith(want),
                                      "incomplete or altered file %s/%s/%s (%d of %d bytes)"
                                      % (name, sub, fn, len(data), len(want)))
                    c[k] += 1
                    flags.setdefault(name, []).append(fn.partition(":2,")[2])
            state[name] = c
            self.check_uidlist(name, path)
        return state, flags

    def check_uidlist(self, name, path):
        p = os.path.join(path, "letterbox-uidlist")
        if not os.path.exists(p):
            return None
        with open(p, "rb") as f:
            lines = f.read().split(b"\n")
        v, uids, trailer = None, [], None
        for ln in lines:
            if ln.startswith(b"V"):
                v = int(ln[1:].split()[0])
            elif ln.startswith(b"R"):
                uids.append(int(ln[1:].split()[0]))
            elif ln.startswith(b"E"):
                trailer = int(ln[1:].split()[0])
        self.t.assertIsNotNone(v, "%s: no UIDVALIDITY" % name)
        self.t.assertEqual(trailer, len(uids), "%s: UID list trailer" % name)
        self.t.assertEqual(uids, sorted(set(uids)), "%s: UIDs not unique and increasing" % name)
        return v

    def uidvalidity(self, name):
        return self.check_uidlist(name, self.folders()[name])


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class CrashTest(unittest.TestCase):
    """SIGKILL of the session child or of maildir-deliver at a random
    instant of a command; then a checker."""
    TRIALS = 150
    BUDGET = 100.0       # seconds

    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]

    def setUp(self):
        self.rnd = random.Random(int(os.environ.get("LB_FAULT_SEED", time.time())))
        self.user = "lbalice"
        self.next = 0
        self.sent = {}
        seed = [self.msg(2000) for _ in range(6)]
        self.env.reset_maildir(self.user, [self.sent[k] for k in seed])
        self.md = self.env.maildir(self.user)
        self.disk = Disk(self, self.md, self.sent)
        r = self.session()
        self.assertTrue(r.cmd(b"C", b"CREATE Work")[-1].startswith(b"C OK"))
        self.assertTrue(r.cmd(b"S", b"SELECT Work")[-1].startswith(b"S OK"))
        self.assertTrue(r.cmd(b"S", b"SELECT INBOX")[-1].startswith(b"S OK"))
        r.cmd(b"Z", b"LOGOUT")
        r.close()
        wait_gone(self.user)
        self.uv = {"INBOX": self.disk.uidvalidity("INBOX"),
                   "Work": self.disk.uidvalidity("Work")}
        self.tmpn = 0

    def msg(self, size):
        k = self.next
        self.next += 1
        head = b"From: f@faults.test\nSubject: fault %d\nMessage-ID: <m%d@faults.test>\n\n" % (k, k)
        line = b"%d " % k + b"x" * 70 + b"\n"
        body = line * max(1, size // len(line))
        self.sent[k] = head + body
        return k

    def session(self):
        r = Raw(self.port)
        r.login(self.user)
        return r

    # --- the operations: each returns (acked, check(before, after)) -------
    def markers(self, r, folder, seqs):
        out = r.cmd(b"S", b"SELECT " + folder.encode())
        self.assertTrue(out[-1].startswith(b"S OK"), out)
        n = int([ln for ln in out if ln.endswith(b" EXISTS\r\n")][0].split()[1])
        if n == 0 or seqs == 0:
            return n, []
        out = r.cmd(b"F", b"FETCH 1:%d (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])" % min(n, seqs))
        return n, [int(x) for x in re.findall(rb"<m(\d+)@faults\.test>", b"".join(out))]

    def timed(self, r, tag, data):
        """Send data, SIGKILL the session after a random 0-30 ms, and say
        whether the command was acknowledged."""
        pids = session_pids(self.user)
        self.assertEqual(len(pids), 1, pids)
        r.send(data)
        time.sleep(0.03 * self.rnd.random() ** 2)   # 0-30 ms, mostly short
        try:
            os.kill(pids[0], signal.SIGKILL)
        except ProcessLookupError:
            pass
        out = r.until(tag)
        return bool(out) and out[-1].startswith(tag + b" OK")

    def op_append(self, r):
        folder = self.rnd.choice(["INBOX", "Work"])
        k = self.msg(self.rnd.randint(2000, 400000))
        body = self.sent[k].replace(b"\n", b"\r\n")
        ok = self.timed(r, b"A", b"A APPEND %s (\\Seen) {%d+}\r\n" % (folder.encode(), len(body))
                        + body + b"\r\n")

        def check(before, after):
            n = after[folder][k]
            self.assertEqual(n, 1) if ok else self.assertLessEqual(n, 1)
            self.unchanged(before, after, skip={(folder, k)})
        return ok, check

    def op_copy_move(self, r, move):
        src, dst = self.rnd.choice([("INBOX", "Work"), ("Work", "INBOX")])
        n, ms = self.markers(r, src, 4)
        if n == 0:
            return self.op_append(r)
        cnt = collections.Counter(ms)
        verb = b"MOVE" if move else b"COPY"
        ok = self.timed(r, b"C", b"C %s 1:%d %s\r\n" % (verb, len(ms), dst.encode()))

        def check(before, after):
            for k, c in cnt.items():
                b_s, b_d = before[src][k], before[dst][k]
                a_s, a_d = after[src][k], after[dst][k]
                if ok:
                    self.assertEqual(a_d, b_d + c, (verb, k))
                    self.assertEqual(a_s, b_s - c if move else b_s, (verb, k))
                else:
                    self.assertTrue(b_d <= a_d <= b_d + c, (verb, k, b_d, a_d))
                    self.assertTrue(b_s - (c if move else 0) <= a_s <= b_s, (verb, k))
                    # MOVE never loses a message, whatever the instant.
                    self.assertGreaterEqual(a_s + a_d, b_s + b_d, (verb, k))
            self.unchanged(before, after, skip={(f, k) for k in cnt for f in (src, dst)})
        return ok, check

    def op_expunge(self, r):
        folder = self.rnd.choice(["INBOX", "Work"])
        n, ms = self.markers(r, folder, 3)
        if n < 2:
            return self.op_append(r)
        ms = ms[:self.rnd.randint(1, len(ms))]
        self.assertTrue(r.cmd(b"D", b"STORE 1:%d +FLAGS.SILENT (\\Deleted)" % len(ms))[-1]
                        .startswith(b"D OK"))
        # Everything flagged \Deleted goes, also what an earlier killed
        # EXPUNGE (or a COPY of such a message) left flagged.
        cnt = collections.Counter()
        deleted = False
        for ln in r.cmd(b"G", b"FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"):
            if ln.startswith(b"* ") and b" FETCH " in ln:
                deleted = b"\\Deleted" in ln
            m = re.search(rb"<m(\d+)@faults\.test>", ln)
            if m and deleted:
                cnt[int(m.group(1))] += 1
        ok = self.timed(r, b"E", b"E EXPUNGE\r\n")

        def check(before, after):
            for k, c in cnt.items():
                if ok:
                    self.assertEqual(after[folder][k], before[folder][k] - c)
                else:
                    self.assertTrue(before[folder][k] - c <= after[folder][k] <= before[folder][k])
            self.unchanged(before, after, skip={(folder, k) for k in cnt})
        return ok, check

    def op_store(self, r):
        folder = self.rnd.choice(["INBOX", "Work"])
        n, _ = self.markers(r, folder, 0)
        if n == 0:
            return self.op_append(r)
        add = self.rnd.random() < 0.5
        ok = self.timed(r, b"T", b"T STORE 1:* %sFLAGS.SILENT (\\Flagged)\r\n"
                        % (b"+" if add else b"-"))

        def check(before, after):
            self.unchanged(before, after)
            if ok:
                for fl in self.flags.get(folder, []):
                    self.assertEqual("F" in fl, add, fl)
        return ok, check

    def op_folders(self, r):
        """CREATE, RENAME or DELETE of a scratch folder holding mail."""
        tmps = [f for f in self.last if f.startswith("Tmp")]
        choice = self.rnd.choice(["create", "rename", "delete"] if tmps else ["create"])
        if choice == "create":
            self.tmpn += 1
            name = "Tmp%d" % self.tmpn
            ok = self.timed(r, b"K", b"K CREATE %s\r\n" % name.encode())

            def check(before, after):
                if ok:
                    self.assertIn(name, after)
                self.unchanged(before, after)
            return ok, check
        old = self.rnd.choice(tmps)
        if choice == "rename":
            self.tmpn += 1
            new = "Tmp%d" % self.tmpn
            ok = self.timed(r, b"K", b"K RENAME %s %s\r\n" % (old.encode(), new.encode()))

            def check(before, after):
                if ok:
                    self.assertNotIn(old, after)
                    self.assertIn(new, after)
                moved = after.get(new, collections.Counter()) + after.get(old, collections.Counter())
                self.assertEqual(moved, before[old], "RENAME lost or doubled mail")
                self.unchanged(before, after, skip_folders={old, new})
            return ok, check
        ok = self.timed(r, b"K", b"K DELETE %s\r\n" % old.encode())

        def check(before, after):
            if ok:
                self.assertNotIn(old, after)
            self.unchanged(before, after, skip_folders={old})
        return ok, check

    def op_deliver(self, r):
        k = self.msg(self.rnd.randint(2000, 400000))
        p = subprocess.Popen([os.path.join(ROOT, "maildir-deliver"), "-d", self.user],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            p.stdin.write(self.sent[k])
            p.stdin.close()
        except BrokenPipeError:
            pass
        time.sleep(0.03 * self.rnd.random() ** 2)   # 0-30 ms, mostly short
        p.send_signal(signal.SIGKILL)
        ok = p.wait() == 0

        def check(before, after):
            n = after["INBOX"][k]
            self.assertEqual(n, 1) if ok else self.assertLessEqual(n, 1)
            self.unchanged(before, after, skip={("INBOX", k)})
        return ok, check

    def unchanged(self, before, after, skip=(), skip_folders=()):
        for f, c in before.items():
            if f in skip_folders:
                continue
            self.assertIn(f, after, "folder %s vanished" % f)
            for k, n in c.items():
                if (f, k) not in skip:
                    self.assertEqual(after[f][k], n, "message %d in %s" % (k, f))
        for f, c in after.items():
            if f in skip_folders or f not in before:
                continue
            for k, n in c.items():
                if (f, k) not in skip:
                    self.assertEqual(before[f][k], n, "message %d appeared in %s" % (k, f))

    def imap_check(self, state):
        """A new session: LIST, SELECT and STATUS of every folder agree with
        the disk."""
        r = self.session()
        out = r.cmd(b"L", b'LIST "" "*"')
        self.assertTrue(out[-1].startswith(b"L OK"), out)
        names = set()
        for ln in out[:-1]:
            m = re.match(rb'\* LIST \([^)]*\) (?:"."|NIL) "?([^"\r]*)"?\r\n', ln)
            if m:
                names.add(m.group(1).decode())
        self.assertEqual(names, set(state), "LIST and the disk disagree")
        for name in sorted(names):
            out = r.cmd(b"T", b"STATUS %s (MESSAGES UIDNEXT UIDVALIDITY)" % name.encode())
            self.assertTrue(out[-1].startswith(b"T OK"), out)
            out = r.cmd(b"S", b"SELECT %s" % name.encode())
            if not out[-1].startswith(b"S OK"):
                log = lbenv.syslog_text() or ""
                self.fail("SELECT %s: %r\n%s\n%s" % (name, out, "\n".join(log.splitlines()[-15:]),
                                                     subprocess.run(["ls", "-laR", self.md],
                                                                    stdout=subprocess.PIPE).stdout.decode()))
            ex = [int(ln.split()[1]) for ln in out if ln.endswith(b" EXISTS\r\n")]
            self.assertEqual(ex, [sum(state[name].values())], (name, out))
        self.assertTrue(r.cmd(b"N", b"NOOP")[-1].startswith(b"N OK"))
        r.cmd(b"Z", b"LOGOUT")
        r.close()
        self.assertTrue(wait_gone(self.user), "session did not exit after LOGOUT")
        for name in ("INBOX", "Work"):
            self.assertEqual(self.disk.uidvalidity(name), self.uv[name], name)

    def test_kill_at_random_instants(self):
        mark = syslog_mark()
        ops = [("append", self.op_append), ("copy", lambda r: self.op_copy_move(r, False)),
               ("move", lambda r: self.op_copy_move(r, True)), ("expunge", self.op_expunge),
               ("store", self.op_store), ("folders", self.op_folders),
               ("deliver", self.op_deliver)]
        self.last, self.flags = self.disk.read()
        t0 = time.time()
        done = collections.Counter()
        acked = collections.Counter()
        for i in range(self.TRIALS):
            if time.time() - t0 > self.BUDGET:
                break
            name, op = ops[i % len(ops)]
            before = self.last
            r = self.session()
            try:
                ok, check = op(r)
            finally:
                r.close()
            self.assertTrue(wait_gone(self.user), "killed session lingers")
            after, self.flags = self.disk.read()
            with self.subTest(trial=i, op=name, acked=ok):
                check(before, after)
            self.imap_check(after)
            self.last = after
            done[name] += 1
            acked[name] += ok
        total = sum(done.values())
        print("\n  crash trials: %d in %.0f s; acknowledged: %s" %
              (total, time.time() - t0, dict(acked)))
        self.assertGreaterEqual(total, 100, "too few trials in the time budget")
        log = syslog_since(mark)
        if log is not None:
            self.assertNotIn("killed by seccomp", log)


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class DiskTest(unittest.TestCase):
    """The Maildir on a small tmpfs: full, then read-only."""

    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]

    def setUp(self):
        self.user = "lbbob"
        self.mnt = tempfile.mkdtemp(prefix="lbfull.")
        lbenv.run("mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", self.mnt)
        self.addCleanup(self.unmount)
        pw = self.env.user(self.user)
        md = os.path.join(self.mnt, "Maildir")
        for sub in ("", "tmp", "new", "cur", ".Work", ".Work/tmp", ".Work/new", ".Work/cur"):
            os.mkdir(os.path.join(md, sub), 0o700)
            os.chown(os.path.join(md, sub), pw.pw_uid, pw.pw_gid)
        open(os.path.join(md, ".Work", "maildirfolder"), "w").close()
        self.msgs = [b"Message-ID: <d%d@faults.test>\nSubject: keep %d\n\n" % (i, i)
                     + b"y" * 5000 + b"\n" for i in range(3)]
        for i, body in enumerate(self.msgs):
            p = os.path.join(md, "cur", "17000000%02d.M1P1.test,S=%d:2," % (i, len(body)))
            with open(p, "wb") as f:
                f.write(body)
            os.chown(p, pw.pw_uid, pw.pw_gid)
        home_md = self.env.maildir(self.user)
        shutil.rmtree(home_md, ignore_errors=True)
        if os.path.lexists(home_md):
            os.unlink(home_md)
        os.symlink(md, home_md)
        self.md = md
        self.filler = os.path.join(self.mnt, "filler")

    def unmount(self):
        try:
            os.unlink(self.env.maildir(self.user))
        except OSError:
            pass
        subprocess.run(["umount", "-l", self.mnt], check=False)
        os.rmdir(self.mnt)

    def fill(self):
        with open(self.filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass

    def kept(self):
        found = []
        for sub in ("new", "cur"):
            for fn in os.listdir(os.path.join(self.md, sub)):
                with open(os.path.join(self.md, sub, fn), "rb") as f:
                    found.append(f.read())
        for body in self.msgs:
            self.assertEqual(found.count(body), 1, "existing mail lost or altered")
        for sub in ("new", "cur"):
            for fn in os.listdir(os.path.join(self.md, sub)):
                with open(os.path.join(self.md, sub, fn), "rb") as f:
                    self.assertIn(f.read(), self.msgs + [self.big], "partial file " + fn)

    def deliver(self, body):
        return subprocess.run([os.path.join(ROOT, "maildir-deliver"), "-d", self.user],
                              input=body, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def assert_no(self, line, tag):
        self.assertTrue(line.startswith(tag + b" NO ["), line)
        code = line.split(b"[")[1].split(b"]")[0].split()[0]
        # RFC 5530: no code names a full disk; OVERQUOTA ("not enough
        # space", as Dovecot also says), LIMIT or SERVERBUG are all
        # acceptable, a BAD or a dropped connection is not.
        self.assertIn(code, (b"OVERQUOTA", b"LIMIT", b"SERVERBUG", b"CANNOT"), line)

    def test_disk_full(self):
        self.big = b"Message-ID: <big@faults.test>\n\n" + b"z" * 300000 + b"\n"
        r = Raw(self.port)
        r.login(self.user)
        self.assertTrue(r.cmd(b"S", b"SELECT INBOX")[-1].startswith(b"S OK"))
        self.fill()
        body = self.big.replace(b"\n", b"\r\n")
        out = r.cmd(b"A", b"APPEND INBOX {%d+}\r\n" % len(body) + body)
        self.assert_no(out[-1], b"A")
        print("\n  disk full: " + out[-1].decode().strip())
        self.assertTrue(r.cmd(b"N", b"NOOP")[-1].startswith(b"N OK"))
        out = r.cmd(b"C", b"COPY 1:* Work")
        print("  disk full: " + out[-1].decode().strip())
        self.assertTrue(out[-1].startswith(b"C OK") or out[-1].startswith(b"C NO ["), out)
        if out[-1].startswith(b"C NO"):
            self.assert_no(out[-1], b"C")
        self.assertTrue(r.cmd(b"N", b"NOOP")[-1].startswith(b"N OK"))
        p = self.deliver(self.big)
        self.assertEqual(p.returncode, 75, p.stderr)
        self.kept()
        # Room again: the same session goes on and stores.
        os.unlink(self.filler)
        out = r.cmd(b"A", b"APPEND INBOX {%d+}\r\n" % len(body) + body)
        self.assertTrue(out[-1].startswith(b"A OK"), out)
        self.assertTrue(r.cmd(b"N", b"NOOP")[-1].startswith(b"N OK"))
        r.cmd(b"Z", b"LOGOUT")
        r.close()
        self.kept()

    def test_read_only(self):
        self.big = b""
        r = Raw(self.port)
        r.login(self.user)
        self.assertTrue(r.cmd(b"S", b"SELECT INBOX")[-1].startswith(b"S OK"))
        lbenv.run("mount", "-o", "remount,ro", self.mnt)
        try:
            out = r.cmd(b"A", b"APPEND INBOX {10+}\r\nSubject: x")
            self.assertTrue(out[-1].startswith(b"A NO"), out)
            out = r.cmd(b"T", b"STORE 1 +FLAGS (\\Flagged)")
            self.assertTrue(out[-1].startswith(b"T NO") or out[-1].startswith(b"T OK"), out)
            self.assertTrue(r.cmd(b"N", b"NOOP")[-1].startswith(b"N OK"))
            p = self.deliver(b"Subject: ro\n\nx\n")
            self.assertEqual(p.returncode, 75, p.stderr)
        finally:
            lbenv.run("mount", "-o", "remount,rw", self.mnt)
        self.assertTrue(r.cmd(b"N", b"NOOP")[-1].startswith(b"N OK"))
        r.cmd(b"Z", b"LOGOUT")
        r.close()
        self.kept()


@unittest.skipUnless(lbenv.IS_ROOT and have_imapd(), "needs root and ./imapd")
class ClientTest(unittest.TestCase):
    """Clients that stop reading, drip bytes, or vanish mid-command."""

    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.port = cls.env.ports["imap"]
        conf = cls.env.write_conf("faults.conf", {"write_timeout": "5",
                                                  "prelogin_timeout": "5",
                                                  "prelogin_total": "8"})
        cls.xinetd, cls.fport, cls.tport = extra_xinetd(cls.env, conf)

    @classmethod
    def tearDownClass(cls):
        cls.xinetd.terminate()
        cls.xinetd.wait(5)

    def setUp(self):
        self.net_before = net_pids()
        self.user = "lbcarol"
        self.big = b"Subject: big\n\n" + (b"w" * 76 + b"\n") * 13000   # ~1 MB
        self.env.reset_maildir(self.user, [self.big, b"Subject: small\n\nx\n"])
        self.mark = syslog_mark()

    def tearDown(self):
        log = syslog_since(self.mark)
        if log is not None:
            self.assertNotIn("killed by seccomp", log)
            self.assertNotIn("killed by signal", log)

    def test_client_never_reads(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", self.fport))
        f = s.makefile("rb")
        f.readline()
        s.sendall(b'L LOGIN %s "%s"\r\n' % (self.user.encode(), lbenv.PASSWORD.encode()))
        while not f.readline().startswith(b"L OK"):
            pass
        s.sendall(b"S SELECT INBOX\r\n" + b"F FETCH 1 BODY[]\r\n" * 40)
        t0 = time.time()
        time.sleep(1)
        self.assertTrue(session_pids(self.user), "session should be blocked writing")
        self.assertTrue(wait_gone(self.user, 20), "a client that never reads holds a session")
        self.assertLess(time.time() - t0, 20)
        s.close()

    def test_tls_client_never_reads(self):
        """Over TLS the network child relays: it must give up on a client
        that takes no output too, not only the session child."""
        raw = socket.create_connection(("127.0.0.1", self.tport), timeout=10)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        f = s.makefile("rb")
        f.readline()
        s.sendall(b'L LOGIN %s "%s"\r\n' % (self.user.encode(), lbenv.PASSWORD.encode()))
        while not f.readline().startswith(b"L OK"):
            pass
        relay = [p for p in net_pids() if p not in self.net_before]
        self.assertEqual(len(relay), 1, "one network child relays this connection")
        s.sendall(b"S SELECT INBOX\r\n" + b"F FETCH 1 BODY[]\r\n" * 40)
        t0 = time.time()
        time.sleep(1)
        self.assertTrue(session_pids(self.user), "session should be blocked writing")
        end = t0 + 25
        while time.time() < end and (session_pids(self.user) or relay[0] in net_pids()):
            time.sleep(0.05)
        self.assertFalse(session_pids(self.user), "a TLS client that never reads holds a session")
        self.assertNotIn(relay[0], net_pids(), "the relay waits for ever on a client that never reads")
        log = syslog_since(self.mark)
        if log is not None:
            self.assertIn("client took no output", log)
        s.close()

    def test_drip_before_login(self):
        r = Raw(self.fport, timeout=3)
        r.line()
        t0 = time.time()
        closed = False
        while time.time() - t0 < 25:
            try:
                r.send(b"a")
                r.s.settimeout(2)
                if r.s.recv(4096) == b"" or b"BYE" in b"":
                    closed = True
                    break
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                closed = True
                break
            else:
                # Anything but the connection ending: read on.
                continue
        self.assertTrue(closed, "a byte every 2 s keeps a pre-login connection forever")
        self.assertLess(time.time() - t0, 16)
        r.close()

    def test_disconnect_in_literal_and_idle(self):
        md = self.env.maildir(self.user)
        r = Raw(self.port)
        r.login(self.user)
        r.send(b"A APPEND INBOX {100000}\r\n")
        self.assertTrue(r.line().startswith(b"+"))
        r.send(b"Subject: cut\r\n\r\n" + b"q" * 50000)
        time.sleep(0.2)
        self.assertEqual(len(os.listdir(os.path.join(md, "tmp"))), 1, "one file being written")
        r.close()
        self.assertTrue(wait_gone(self.user), "session lingers after a cut literal")
        self.assertEqual(os.listdir(os.path.join(md, "tmp")), [], "tmp/ leftover")
        self.assertEqual(len(self.env.files(self.user)), 2)
        r = Raw(self.port)
        r.login(self.user)
        r.cmd(b"S", b"SELECT INBOX")
        r.send(b"I IDLE\r\n")
        self.assertTrue(r.line().startswith(b"+"))
        r.close()
        self.assertTrue(wait_gone(self.user), "session lingers after a cut IDLE")
        # The next session works.
        r = Raw(self.port)
        r.login(self.user)
        out = r.cmd(b"S", b"SELECT INBOX")
        self.assertIn(b"* 2 EXISTS\r\n", out)
        r.close()


@unittest.skipUnless(lbenv.IS_ROOT, "needs root")
class AttackTest(unittest.TestCase):
    """tests/helpers/attack: each confined role, rebuilt with the real
    functions, tries what a compromised child would try."""

    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()
        cls.prog = os.path.join(lbenv.BUILD, "tests", "helpers", "attack")

    def attempt(self, role, action, arg=None):
        if role == "net":
            args = [self.prog, "net", lbenv.NET_USER, self.env.empty, action]
        else:
            args = [self.prog, "session", "lbalice", self.env.maildir("lbalice"), action]
        if arg is not None:
            args.append(str(arg))
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        out = p.stdout.decode() + p.stderr.decode()
        self.assertNotEqual(p.returncode, 2, "set-up failed: " + out)
        self.assertNotEqual(p.returncode, 1, "%s %s %s: %s" % (role, action, arg, out))
        self.assertTrue(p.returncode == -signal.SIGSYS or
                        (p.returncode == 0 and out.startswith("denied")),
                        (role, action, arg, p.returncode, out))
        self.outcomes.append("%s %s: %s" % (role, action, "SIGSYS" if p.returncode < 0
                                            else out.strip()))
        return p.returncode

    def test_attacks(self):
        self.assertTrue(os.access(self.prog, os.X_OK), "make unit-bins builds the helper")
        self.outcomes = []
        self.addCleanup(lambda: print("\n  " + "\n  ".join(self.outcomes)))
        self.env.reset_maildir("lbalice", [b"Subject: a\n\nx\n"])
        self.env.reset_maildir("lbbob", [b"Subject: b\n\nsecret\n"])
        port = self.env.ports["imap"]
        bob = self.env.maildir("lbbob")
        for role in ("net", "session"):
            with self.subTest(role=role):
                self.attempt(role, "connect", port)
                self.attempt(role, "execve", "/bin/sh")
                self.attempt(role, "ptrace", os.getpid())
                self.attempt(role, "setuid0")
                self.attempt(role, "open", "/etc/shadow")
                self.attempt(role, "open", "../../../../../../etc/shadow")
                self.attempt(role, "readdir", os.path.join(bob, "cur"))
                self.attempt(role, "readdir", "/proc/1/root")
        # The network child may not open anything at all, even in its root.
        self.assertEqual(self.attempt("net", "open", "/"), -signal.SIGSYS)
        self.attempt("net", "create", "/x")
        # The session may read its own Maildir (the attack set-up is real).
        p = subprocess.run([self.prog, "session", "lbalice", self.env.maildir("lbalice"),
                            "readdir", "/cur"], stdout=subprocess.PIPE, timeout=10)
        self.assertEqual(p.returncode, 1, "control: own Maildir readable")

    def preauth(self, action, arg=None):
        """The helper as lbalice, confined as imapd over ssh (PREAUTH):
        no chroot, no id change; Landlock beneath the Maildir and seccomp.
        Returns (exit status, output)."""
        prog = lbenv.public_exe(os.path.relpath(self.prog, lbenv.ROOT))
        args = ["setpriv", "--reuid=lbalice", "--regid=lbalice", "--init-groups",
                prog, "preauth", "lbalice", self.env.maildir("lbalice"), action]
        if arg is not None:
            args.append(str(arg))
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        out = p.stdout.decode() + p.stderr.decode()
        if p.returncode == 3:
            self.skipTest("no Landlock in this kernel: " + out)
        self.assertNotEqual(p.returncode, 2, "set-up failed: " + out)
        return p.returncode, out

    def test_preauth_attacks(self):
        """What stops a compromised PREAUTH imapd is Landlock and seccomp
        alone: it runs as the user, who may read /etc/passwd, their own
        home, and ptrace their own shell."""
        self.env.reset_maildir("lbalice", [b"Subject: a\n\nx\n"])
        home = pwd.getpwnam("lbalice").pw_dir
        own = os.path.join(home, "private-note")
        with open(own, "w") as f:
            f.write("the user's own file, outside the Maildir\n")
        uid = lbenv.user_uid("lbalice")
        os.chown(own, uid, uid)
        self.addCleanup(os.unlink, own)
        # The controls: the user could do all of this unconfined.
        self.assertTrue(os.access("/etc/passwd", os.R_OK))
        victim = subprocess.Popen(["setpriv", "--reuid=lbalice", "--regid=lbalice",
                                   "--init-groups", "sleep", "30"])
        self.addCleanup(victim.wait)
        self.addCleanup(victim.kill)
        rc, out = self.preauth("readdir", os.path.join(self.env.maildir("lbalice"), "cur"))
        self.assertEqual(rc, 1, "control: own Maildir readable: " + out)
        outcomes = []
        for action, arg in (("open", "/etc/passwd"), ("open", own),
                            ("readdir", home), ("readdir", "/"),
                            ("create", os.path.join(home, "planted")),
                            ("create", "/tmp/lb-preauth-planted"),
                            ("connect", self.env.ports["imap"]),
                            ("execve", "/bin/sh"), ("ptrace", victim.pid),
                            ("chmod", own)):
            with self.subTest(action=action, arg=arg):
                rc, out = self.preauth(action, arg)
                self.assertTrue(rc == -signal.SIGSYS or
                                (rc == 0 and out.startswith("denied")), (action, arg, rc, out))
                outcomes.append("preauth %s %s: %s" % (action, arg, "SIGSYS" if rc < 0
                                                       else out.strip()))
        self.assertFalse(os.path.exists(os.path.join(home, "planted")))
        self.assertFalse(os.path.exists("/tmp/lb-preauth-planted"))
        print("\n  " + "\n  ".join(outcomes))


if __name__ == "__main__":
    unittest.main()
