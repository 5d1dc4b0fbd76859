"""The programs as an administrator meets them: -n, configuration errors,
make install, a Maildir created at first login, the pre-login timeout, the
shipped s6 services (tcpserver under s6-supervise)."""
import imaplib
import os
import poplib
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import lbenv

ROOT = lbenv.ROOT


@unittest.skipUnless(lbenv.IS_ROOT, "needs root")
class ProgramsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = lbenv.get()

    def prog(self, name):
        return os.path.join(ROOT, name)

    def test_print_config(self):
        p = subprocess.run([self.prog("pop3d"), "-n", "-f", self.env.conf_never],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertIn("plaintext_auth = never\n", out)
        self.assertIn("pam_service = letterbox-test\n", out)
        self.assertIn("min_uid = 1000\n", out)
        # Defaults without a file: imapd's service name and 30 minutes.
        p = subprocess.run([self.prog("pop3d"), "-n", "-f", "/nonexistent.conf"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertNotEqual(p.returncode, 0, "an explicit -f file must exist")
        if os.path.exists(self.prog("imapd")):
            p = subprocess.run([self.prog("imapd"), "-n"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env={"PATH": "/usr/bin:/bin"})
            if not os.path.exists("/etc/letterbox.conf"):
                self.assertIn("pam_service = imap\n", p.stdout.decode())
                self.assertIn("idle_timeout = 1800\n", p.stdout.decode())

    def test_config_errors_name_file_and_line(self):
        d = tempfile.mkdtemp(dir=self.env.dir)
        bad = os.path.join(d, "bad.conf")
        with open(bad, "w") as f:
            f.write("# ok\nmin_uid = 1000\nno_such_key = 1\n")
        os.chmod(bad, 0o644)
        p = subprocess.run([self.prog("pop3d"), "-n", "-f", bad],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("%s:3: unknown key 'no_such_key'" % bad, p.stderr.decode())
        # A configuration others can write is refused.
        with open(bad, "w") as f:
            f.write("min_uid = 1000\n")
        os.chmod(bad, 0o666)
        p = subprocess.run([self.prog("pop3d"), "-n", "-f", bad],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("refused", p.stderr.decode())

    def test_make_install(self):
        dest = tempfile.mkdtemp(dir=self.env.dir)
        p = subprocess.run(["make", "-s", "-C", ROOT, "install", "DESTDIR=" + dest, "PREFIX=/opt/lb"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertEqual(p.returncode, 0, p.stdout)
        for f in ("opt/lb/libexec/letterbox/pop3d", "opt/lb/libexec/letterbox/maildir-deliver",
                  "opt/lb/share/man/man8/pop3d.8", "opt/lb/share/man/man5/letterbox.conf.5",
                  "opt/lb/share/man/man8/maildir-deliver.8",
                  "opt/lb/share/doc/letterbox/examples/inetd.conf.example",
                  "opt/lb/share/doc/letterbox/examples/xinetd.d/letterbox-pop3s",
                  "opt/lb/share/doc/letterbox/examples/systemd/letterbox-imaps.socket"):
            self.assertTrue(os.path.exists(os.path.join(dest, f)), f)
        st = os.stat(os.path.join(dest, "opt/lb/libexec/letterbox/pop3d"))
        self.assertEqual(st.st_mode & 0o777, 0o755)

    def test_maildir_created_at_first_login(self):
        md = self.env.reset_maildir("lbcarol", create=False)
        p = poplib.POP3("127.0.0.1", self.env.ports["pop3create"], timeout=20)
        p.user("lbcarol")
        p.pass_(lbenv.PASSWORD)
        self.assertEqual(p.stat(), (0, 0))
        p.quit()
        pw = self.env.user("lbcarol")
        for sub in ("", "new", "cur", "tmp"):
            st = os.stat(os.path.join(md, sub))
            self.assertEqual((st.st_uid, st.st_mode & 0o777), (pw.pw_uid, 0o700), sub)

    def test_prelogin_timeout(self):
        s = socket.create_connection(("127.0.0.1", self.env.ports["pop3create"]), timeout=30)
        f = s.makefile("rb")
        self.assertTrue(f.readline().startswith(b"+OK"))
        t0 = time.time()
        self.assertTrue(f.readline().startswith(b"-ERR Autologout"))
        self.assertEqual(f.readline(), b"")
        self.assertGreaterEqual(time.time() - t0, 4)
        s.close()

    def test_s6_tcpserver(self):
        """The shipped s6/ run scripts, with only the paths, the address and
        the port changed, under a real s6-svscan: IMAP and POP3S log in and
        the log names the client's address (fd 0 is tcpserver's socket)."""
        if not shutil.which("s6-svscan") or not shutil.which("tcpserver"):
            self.skipTest("s6 and ucspi-tcp are not installed (tools/deps.sh)")
        scan = tempfile.mkdtemp(prefix="lbs6.", dir=self.env.dir)
        ports = {}
        for name in ("letterbox-imap", "letterbox-pop3s"):
            with open(os.path.join(ROOT, "s6", name, "run")) as f:
                text = f.read()
            ports[name] = lbenv.free_port()
            text, n = re.subn(r"0\.0\.0\.0 \d+", "127.0.0.1 %d" % ports[name], text)
            self.assertEqual(n, 1, "one address and port in " + name)
            text = text.replace("/usr/local/libexec/letterbox/", ROOT + "/")
            text = text.replace("/etc/letterbox.conf", self.env.conf)
            os.mkdir(os.path.join(scan, name))
            run = os.path.join(scan, name, "run")
            with open(run, "w") as f:
                f.write(text)
            os.chmod(run, 0o755)
        svscan = subprocess.Popen(["s6-svscan", scan], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)

        def stop():
            subprocess.run(["s6-svscanctl", "-t", scan], timeout=10)
            try:
                svscan.wait(10)
            except subprocess.TimeoutExpired:
                svscan.kill()
                svscan.wait(5)
        self.addCleanup(stop)
        for p in ports.values():
            lbenv.wait_port(p)
        self.env.reset_maildir("lbalice", [b"Subject: s6\n\nhello\n"])
        mark = len(lbenv.syslog_text() or "")
        m = imaplib.IMAP4("127.0.0.1", ports["letterbox-imap"], timeout=20)
        m.login("lbalice", lbenv.PASSWORD)
        self.assertEqual(m.select("INBOX"), ("OK", [b"1"]))
        m.logout()
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        p = poplib.POP3_SSL("127.0.0.1", ports["letterbox-pop3s"], timeout=20, context=ctx)
        p.user("lbalice")
        p.pass_(lbenv.PASSWORD)
        self.assertEqual(p.stat()[0], 1)
        p.quit()
        log = lbenv.syslog_text()
        if log is not None:
            self.assertEqual(len(re.findall(r"login: user=lbalice rip=127\.0\.0\.1",
                                            log[mark:])), 2, log[mark:])


if __name__ == "__main__":
    unittest.main()
