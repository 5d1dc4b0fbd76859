"""make demo: it starts, a real client logs in over TLS, and demo-stop leaves
the host as it found it (no demo user, no files, no xinetd)."""
import os
import pwd
import subprocess
import unittest

import lbenv

ROOT = lbenv.ROOT
PORTS = {"POP3_PORT": "21110", "POP3S_PORT": "21995", "IMAP_PORT": "21143", "IMAPS_PORT": "21993"}


@unittest.skipUnless(lbenv.IS_ROOT, "needs root")
class DemoTest(unittest.TestCase):
    def test_demo_start_use_stop(self):
        lbenv.get()     # the syslog capture, if any
        env = dict(os.environ, **PORTS)
        had_net_user = True
        try:
            pwd.getpwnam("letterbox")
        except KeyError:
            had_net_user = False
        p = subprocess.run(["sh", os.path.join(ROOT, "tools/demo.sh"), "start"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        try:
            self.assertEqual(p.returncode, 0, p.stdout)
            self.assertIn(b"lbdemo / demo-pass", p.stdout)
            lbenv.wait_port(int(PORTS["POP3S_PORT"]))
            out = lbenv.run("curl", "-sS", "-k", "--user", "lbdemo:demo-pass",
                            "pop3s://127.0.0.1:%s/" % PORTS["POP3S_PORT"]).stdout
            self.assertEqual(len(out.splitlines()), 3, out)
            out = lbenv.run("curl", "-sS", "-k", "--user", "lbdemo:demo-pass",
                            "pop3s://127.0.0.1:%s/2" % PORTS["POP3S_PORT"]).stdout
            self.assertIn("Привет".encode("koi8-r"), out)
            if os.path.exists(os.path.join(ROOT, "imapd")):
                lbenv.wait_port(int(PORTS["IMAPS_PORT"]))
                out = lbenv.run("curl", "-sS", "-k", "--user", "lbdemo:demo-pass",
                                "imaps://127.0.0.1:%s/INBOX;UID=1" % PORTS["IMAPS_PORT"]).stdout
                self.assertIn(b"Welcome to letterbox", out)
        finally:
            q = subprocess.run(["sh", os.path.join(ROOT, "tools/demo.sh"), "stop"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(q.returncode, 0, q.stdout)
        with self.assertRaises(KeyError):
            pwd.getpwnam("lbdemo")
        if not had_net_user:
            with self.assertRaises(KeyError):
                pwd.getpwnam("letterbox")
        self.assertFalse(os.path.exists("/var/tmp/letterbox-demo"))


if __name__ == "__main__":
    unittest.main()
