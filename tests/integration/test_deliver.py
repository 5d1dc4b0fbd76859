"""Integration tests for ./maildir-deliver: concurrency, durability on a
full file system and after kill -9, loops, folders, quota, exit codes, and
(as root) -d USER with a throwaway account."""
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lbenv  # noqa: E402

PROG = os.path.join(ROOT, "maildir-deliver")
if os.geteuid() == 0:
    # Delivered as other users: a copy outside a possibly private tree.
    PROG = lbenv.public_exe("maildir-deliver")
IS_ROOT = os.geteuid() == 0
TEST_USER = "lbtestdlv"

# sysexits.h
EX_USAGE, EX_DATAERR, EX_NOUSER, EX_TEMPFAIL, EX_NOPERM, EX_CONFIG = 64, 65, 67, 75, 77, 78


# maildir-deliver refuses to write mail with root's ids, so as root the
# tests deliver as "nobody" into a home directory that nobody owns.
NOBODY = 65534


def as_nobody():
    if IS_ROOT:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)


def listdir(path):
    try:
        return sorted(n for n in os.listdir(path) if not n.startswith("."))
    except FileNotFoundError:
        return []


class DeliverBase(unittest.TestCase):
    def setUp(self):
        self.assertTrue(os.access(PROG, os.X_OK), "build ./maildir-deliver first (make)")
        self.home = tempfile.mkdtemp(prefix="lbdeliver.")
        if IS_ROOT:
            os.chown(self.home, NOBODY, NOBODY)
        self.md = os.path.join(self.home, "Maildir")

    def tearDown(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def run_deliver(self, data, *args, env_home=None, **kw):
        env = dict(os.environ, HOME=env_home or self.home)
        if "-d" not in args:
            kw.setdefault("preexec_fn", as_nobody)
        p = subprocess.run([PROG] + list(args), input=data, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60, **kw)
        return p.returncode, p.stderr.decode(errors="replace")

    def new_files(self, md=None):
        d = os.path.join(md or self.md, "new")
        return [(n, open(os.path.join(d, n), "rb").read()) for n in listdir(d)]


class TestDeliver(DeliverBase):
    def test_deliver_basic_headers_crlf(self):
        msg = b"From sender@x Mon Jan  1 00:00:00 2024\r\nSubject: hi\r\n\r\nbody\r\nlone\rcr\r\n"
        rc, err = self.run_deliver(msg, "-f", "s@example.org", "-a", "me@example.org")
        self.assertEqual(rc, 0, err)
        files = self.new_files()
        self.assertEqual(len(files), 1)
        name, body = files[0]
        want = (b"Return-Path: <s@example.org>\nDelivered-To: me@example.org\n"
                b"Subject: hi\n\nbody\nlone\rcr\n")
        self.assertEqual(body, want)
        vsize = len(want) + want.count(b"\n")
        self.assertTrue(name.endswith(",S=%d,W=%d" % (len(want), vsize)), name)
        self.assertEqual(listdir(os.path.join(self.md, "tmp")), [])
        self.assertEqual(os.stat(self.md).st_mode & 0o777, 0o700)
        self.assertEqual(os.stat(os.path.join(self.md, "new", name)).st_mode & 0o777, 0o600)

    def test_concurrent_100(self):
        procs, want = [], set()
        env = dict(os.environ, HOME=self.home)
        for i in range(100):
            body = (b"Subject: message %d\r\n\r\n" % i) + (b"line %d of the body\r\n" % i) * (i * 7 + 1)
            want.add(body.replace(b"\r\n", b"\n"))
            p = subprocess.Popen([PROG], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=env,
                                 preexec_fn=as_nobody)
            procs.append((p, body))
        for p, body in procs:
            p.stdin.write(body)
            p.stdin.close()
        for p, _ in procs:
            self.assertEqual(p.wait(timeout=60), 0, p.stderr.read())
            p.stderr.close()
        files = self.new_files()
        self.assertEqual(len(files), 100)
        self.assertEqual({b for _, b in files}, want)
        for name, body in files:
            self.assertIn(",S=%d," % len(body), name)
        self.assertEqual(listdir(os.path.join(self.md, "tmp")), [])

    def test_kill_midway_leaves_nothing_in_new(self):
        env = dict(os.environ, HOME=self.home)
        p = subprocess.Popen([PROG], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env,
                             preexec_fn=as_nobody)
        p.stdin.write(b"Subject: slow\n\nfirst part of the body\n" * 100)
        p.stdin.flush()
        # Wait until the tmp/ file exists: it is blocked reading stdin now.
        deadline = time.time() + 10
        while not listdir(os.path.join(self.md, "tmp")) and time.time() < deadline:
            time.sleep(0.02)
        self.assertTrue(listdir(os.path.join(self.md, "tmp")))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        p.stdin.close()
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.assertEqual(self.new_files(), [])
        self.assertEqual(listdir(os.path.join(self.md, "cur")), [])
        # The next delivery works and ignores the leftover.
        rc, err = self.run_deliver(b"Subject: next\n\nok\n")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.new_files()), 1)

    def test_delivered_to_loop(self):
        cases = [
            b"Subject: a\nDelivered-To: me@example.org\n\nbody\n",
            b"Subject: a\r\ndelivered-to:   <ME@Example.ORG>\r\n\r\nbody\r\n",
            b"Subject: a\nDelivered-To:\n  me@example.org\nX: y\n\nbody\n",
            b"Delivered-To: me@example.org",          # no final LF, no body
        ]
        for msg in cases:
            rc, err = self.run_deliver(msg, "-a", "me@example.org")
            self.assertEqual(rc, EX_DATAERR, msg)
            self.assertIn("loop", err)
        self.assertEqual(self.new_files(), [])
        self.assertEqual(listdir(os.path.join(self.md, "tmp")), [])
        # Another address, or ours in the body only, is no loop.
        ok = [b"Delivered-To: other@example.org\n\nbody\n",
              b"Subject: a\n\nDelivered-To: me@example.org\n",
              b"Delivered-To: me@example.org.evil\n\nx\n"]
        for msg in ok:
            rc, err = self.run_deliver(msg, "-a", "me@example.org")
            self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.new_files()), 3)

    def test_folders(self):
        rc, err = self.run_deliver(b"Subject: list\n\nx\n", "-c", "-m", "Lists.dev")
        self.assertEqual(rc, 0, err)
        folder = os.path.join(self.md, ".Lists.dev")
        self.assertTrue(os.path.isfile(os.path.join(folder, "maildirfolder")))
        self.assertEqual(len(self.new_files(folder)), 1)
        # Again, now that it exists.
        rc, err = self.run_deliver(b"Subject: list 2\n\nx\n", "-c", "-m", "Lists.dev")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.new_files(folder)), 2)
        # Missing folder without -c: the inbox gets it.
        rc, err = self.run_deliver(b"Subject: lost\n\nx\n", "-m", "Nowhere")
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(os.path.join(self.md, ".Nowhere")))
        self.assertEqual(len(self.new_files()), 1)
        # -M: another Maildir below the home directory.
        rc, err = self.run_deliver(b"x\n", "-M", "Mail2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.new_files(os.path.join(self.home, "Mail2"))), 1)

    def test_usage_errors(self):
        for args in (["-x"], ["-M", "/etc"], ["-M", "a/../../b"], ["-m", "../x"],
                     ["-m", ".hidden"], ["-a", "a\nb"], ["extra"]):
            rc, _ = self.run_deliver(b"x\n", *args)
            self.assertEqual(rc, EX_USAGE, args)
        self.assertEqual(self.new_files(), [])

    def test_quota(self):
        os.makedirs(self.md)
        for sub in ("tmp", "new", "cur"):
            os.mkdir(os.path.join(self.md, sub), 0o700)
        with open(os.path.join(self.md, "maildirsize"), "w") as f:
            f.write("100S\n90 1\n")
        if IS_ROOT:
            for dp, dns, fns in os.walk(self.md):
                for x in [dp] + [os.path.join(dp, n) for n in fns]:
                    os.chown(x, NOBODY, NOBODY)
        big = b"Subject: big\n\n" + b"x" * 50 + b"\n"
        rc, err = self.run_deliver(big)
        self.assertEqual(rc, EX_TEMPFAIL, err)
        self.assertIn("quota", err)
        rc, err = self.run_deliver(big, "-Q")
        self.assertEqual(rc, EX_NOPERM, err)
        self.assertEqual(self.new_files(), [])
        self.assertEqual(listdir(os.path.join(self.md, "tmp")), [])
        rc, err = self.run_deliver(b"x\n")
        self.assertEqual(rc, 0, err)
        with open(os.path.join(self.md, "maildirsize")) as f:
            self.assertEqual(f.read(), "100S\n90 1\n2 1\n")

    def test_too_big_is_permanent(self):
        limit = 256 * 1024 * 1024
        env = dict(os.environ, HOME=self.home)
        p = subprocess.Popen([PROG], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, env=env,
                                 preexec_fn=as_nobody)
        chunk = b"y" * 1023 + b"\n"
        sent = 0
        try:
            while sent <= limit:
                p.stdin.write(chunk * 1024)
                sent += len(chunk) * 1024
            p.stdin.close()
        except BrokenPipeError:
            pass
        self.assertEqual(p.wait(timeout=120), EX_DATAERR)
        p.stderr.close()
        self.assertEqual(self.new_files(), [])
        self.assertEqual(listdir(os.path.join(self.md, "tmp")), [])


@unittest.skipUnless(IS_ROOT, "needs root (mount, useradd, setuid)")
class TestDeliverRoot(DeliverBase):
    @classmethod
    def setUpClass(cls):
        cls.userhome = tempfile.mkdtemp(prefix="lbdeliver-user.")
        os.rmdir(cls.userhome)
        subprocess.run(["userdel", "-r", TEST_USER], stderr=subprocess.DEVNULL)
        subprocess.run(["useradd", "-m", "-d", cls.userhome, "-s", "/usr/sbin/nologin",
                        TEST_USER], check=True)
        cls.pw = pwd.getpwnam(TEST_USER)

    def setUp(self):
        super().setUp()
        shutil.rmtree(os.path.join(self.pw.pw_dir, "Maildir"), ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["userdel", "-r", TEST_USER], stderr=subprocess.DEVNULL)
        shutil.rmtree(cls.userhome, ignore_errors=True)

    def test_full_file_system(self):
        mnt = os.path.join(self.home, "small")
        os.mkdir(mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700,uid=%d,gid=%d"
                        % (NOBODY, NOBODY), "tmpfs", mnt], check=True)
        try:
            msg = b"Subject: big\n\n" + (b"z" * 199 + b"\n") * 1000   # 200 kB > 64 kB
            rc, err = self.run_deliver(msg, env_home=mnt)
            self.assertEqual(rc, EX_TEMPFAIL, err)
            md = os.path.join(mnt, "Maildir")
            self.assertEqual(listdir(os.path.join(md, "new")), [])
            self.assertEqual(listdir(os.path.join(md, "tmp")), [])
            # A small one still fits.
            rc, err = self.run_deliver(b"Subject: small\n\nx\n", env_home=mnt)
            self.assertEqual(rc, 0, err)
        finally:
            subprocess.run(["umount", mnt], check=True)

    def test_never_as_root(self):
        rc, err = self.run_deliver(b"Subject: x\n\nx\n", "-d", "root")
        self.assertEqual(rc, EX_NOPERM, err)
        rc, err = self.run_deliver(b"Subject: x\n\nx\n", preexec_fn=None)
        self.assertEqual(rc, EX_NOPERM, err)
        self.assertEqual(listdir(os.path.join(self.md, "new")), [])

    def test_d_user_drops_privileges(self):
        rc, err = self.run_deliver(b"Subject: for you\n\nhello\n", "-d", TEST_USER,
                                   "-a", "%s@localhost" % TEST_USER)
        self.assertEqual(rc, 0, err)
        md = os.path.join(self.pw.pw_dir, "Maildir")
        files = listdir(os.path.join(md, "new"))
        self.assertEqual(len(files), 1)
        for path in (md, os.path.join(md, "new"), os.path.join(md, "new", files[0])):
            st = os.stat(path)
            self.assertEqual((st.st_uid, st.st_gid), (self.pw.pw_uid, self.pw.pw_gid), path)
        # $HOME is ignored with -d: nothing landed in ours.
        self.assertFalse(os.path.exists(self.md))

    def test_unknown_user(self):
        rc, err = self.run_deliver(b"x\n", "-d", "no-such-user-lbtest")
        self.assertEqual(rc, EX_NOUSER, err)

    def test_d_needs_root(self):
        uid, gid = self.pw.pw_uid, self.pw.pw_gid

        def become():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        rc, err = self.run_deliver(b"x\n", "-d", "root", env_home=self.pw.pw_dir,
                                   preexec_fn=become)
        self.assertEqual(rc, EX_CONFIG, err)

    def test_as_user_without_d(self):
        uid, gid = self.pw.pw_uid, self.pw.pw_gid

        def become():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        rc, err = self.run_deliver(b"Subject: self\n\nx\n", env_home=self.pw.pw_dir,
                                   preexec_fn=become)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(listdir(os.path.join(self.pw.pw_dir, "Maildir", "new"))), 1)


if __name__ == "__main__":
    unittest.main()
