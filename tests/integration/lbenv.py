"""Shared environment for integration tests: real users, real PAM (a private
PAM directory through pam_confdir, with pam_pwdfile for passwords and
pam_unix for account checks), a TLS certificate, and the real programs under
a real superserver (xinetd, configured from the shipped xinetd.d/ files).

Everything is created under one temporary directory and removed at exit,
users included.  Needs root; tests skip otherwise.
"""
import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("LB_BUILD", "build/rel"))
IS_ROOT = os.geteuid() == 0

# Sanitizer runs (make SANITIZE=1 integration, which sets LB_SANITIZE=1):
# the programs under xinetd write ASan/UBSan/LSan reports to fd 2, which a
# sanitizer build of the monitor points at LB_SANITIZER_LOG for the whole
# process tree (auth/monitor.c stderr_setup); maildir-deliver, unconfined,
# uses the runtime's log_path.  run.py fails the run if any report was
# written.  symbolize=0: a confined child may not start a symbolizer (a
# process for clang, opening the binary for gcc); reports give
# module+offset (tools/symbolize-report.sh turns them into file:line).
SANITIZE = os.environ.get("LB_SANITIZE") == "1"
SAN_DIR = os.environ.get("LB_SAN_DIR", "")
LSAN_SUPP = os.path.join(ROOT, "tests", "integration", "lsan.supp")
PROG_SAN_ENV = {
    "LB_SANITIZER_LOG": os.path.join(SAN_DIR, "programs.log"),
    "ASAN_OPTIONS": "symbolize=0:detect_leaks=1",
    "UBSAN_OPTIONS": "symbolize=0:print_stacktrace=1",
    "LSAN_OPTIONS": "suppressions=%s:print_suppressions=0" % LSAN_SUPP,
}
PASSWORD = "s3cret pass"        # a space inside: PASS takes the rest of the line

USERS = ("lbalice", "lbbob", "lbcarol")
NET_USER = "lbtestnet"


def run(*args, **kw):
    kw.setdefault("check", True)
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open" % port)


class Env:
    """One test environment; use get()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="lbtest.")
        os.chmod(self.dir, 0o755)
        self.created_users = []
        self.xinetd = None
        self.ports = {}
        atexit.register(self.cleanup)
        try:
            self._setup()
        except Exception:
            self.cleanup()
            raise

    # --- set-up --------------------------------------------------------
    def _setup(self):
        start_syslog()
        d = self.dir
        self.empty = os.path.join(d, "empty")
        os.mkdir(self.empty, 0o755)
        self.home = os.path.join(d, "home")
        os.mkdir(self.home, 0o755)
        try:
            pwd.getpwnam(NET_USER)
        except KeyError:
            run("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                "--shell", "/usr/sbin/nologin", NET_USER)
            self.created_users.append(NET_USER)
        for u in USERS:
            try:
                pwd.getpwnam(u)
                run("userdel", "-r", u, check=False)
            except KeyError:
                pass
            run("useradd", "-m", "-d", os.path.join(self.home, u), "-s", "/usr/sbin/nologin", u)
            self.created_users.append(u)
        # Passwords for pam_pwdfile (SHA-512 crypt).
        self.pwdfile = os.path.join(d, "passwd")
        lines = []
        h = run("openssl", "passwd", "-6", PASSWORD).stdout.decode().strip()
        for u in USERS + ("root",):
            lines.append("%s:%s\n" % (u, h))
        with open(self.pwdfile, "w") as f:
            f.writelines(lines)
        os.chmod(self.pwdfile, 0o600)
        self.pamdir = os.path.join(d, "pam.d")
        os.mkdir(self.pamdir, 0o755)
        with open(os.path.join(self.pamdir, "other"), "w") as f:
            f.write("auth required pam_deny.so\naccount required pam_deny.so\n"
                    "session required pam_deny.so\n")
        with open(os.path.join(self.pamdir, "letterbox-test"), "w") as f:
            f.write("auth required pam_pwdfile.so pwdfile=%s\n"
                    "account required pam_unix.so\n"
                    "session required pam_permit.so\n" % self.pwdfile)
        # TLS: ECDSA P-256 self-signed certificate, key readable by root only.
        self.cert = os.path.join(d, "cert.pem")
        self.key = os.path.join(d, "key.pem")
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", self.key, "-out", self.cert, "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-days", "30")
        os.chmod(self.key, 0o600)
        self.conf = self.write_conf("letterbox.conf", {})
        self.conf_never = self.write_conf("never.conf", {"plaintext_auth": "never"})
        self.conf_create = self.write_conf("create.conf", {"maildir_create": "yes",
                                                          "prelogin_timeout": "5"})
        self.start_xinetd()

    def write_conf(self, name, extra):
        keys = {
            "pam_service": "letterbox-test",
            "pam_confdir": self.pamdir,
            "tls_cert": self.cert,
            "tls_key": self.key,
            "unpriv_user": NET_USER,
            "empty_dir": self.empty,
            "login_fail_delay": "1",
        }
        keys.update(extra)
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("# integration test configuration\n")
            for k, v in keys.items():
                f.write("%s = %s\n" % (k, v))
        os.chmod(path, 0o644)
        return path

    def xinetd_service(self, template, name, prog, args, port):
        """Turn one shipped xinetd.d/ file into a test service: our binary,
        our config, an unlisted loopback port."""
        out = []
        with open(os.path.join(ROOT, "xinetd.d", template)) as f:
            for line in f:
                s = line.strip()
                if s.startswith("service "):
                    line = "service %s\n" % name
                elif s.startswith("server ") or s.startswith("server\t"):
                    line = "\tserver\t\t= %s\n" % os.path.join(ROOT, prog)
                elif s.startswith("server_args"):
                    line = "\tserver_args\t= %s\n" % args
                elif s.startswith("instances") or s.startswith("per_source") or s.startswith("cps"):
                    continue
                elif s == "}":
                    out.append("\ttype\t\t= UNLISTED\n\tport\t\t= %d\n\tbind\t\t= 127.0.0.1\n"
                               "\tinstances\t= UNLIMITED\n\tper_source\t= UNLIMITED\n"
                               "\tcps\t\t= 10000 1\n" % port)
                out.append(line)
        return "".join(out)

    def start_xinetd(self):
        services = [
            ("letterbox-pop3", "pop3", "pop3d", "-f %s" % self.conf),
            ("letterbox-pop3s", "pop3s", "pop3d", "-f %s -T" % self.conf),
            ("letterbox-pop3", "pop3never", "pop3d", "-f %s" % self.conf_never),
            ("letterbox-pop3", "pop3create", "pop3d", "-f %s" % self.conf_create),
        ]
        if os.path.exists(os.path.join(ROOT, "imapd")) and \
                os.path.exists(os.path.join(ROOT, "xinetd.d", "letterbox-imap")):
            services += [
                ("letterbox-imap", "imap", "imapd", "-f %s" % self.conf),
                ("letterbox-imaps", "imaps", "imapd", "-f %s -T" % self.conf),
                ("letterbox-imap", "imapnever", "imapd", "-f %s" % self.conf_never),
            ]
        conf = ["defaults\n{\n\tlog_type = FILE %s\n}\n" % os.path.join(self.dir, "xinetd.log")]
        for tmpl, name, prog, args in services:
            port = free_port()
            self.ports[name] = port
            conf.append(self.xinetd_service(tmpl, name, prog, args, port))
        path = os.path.join(self.dir, "xinetd.conf")
        with open(path, "w") as f:
            f.write("\n".join(conf))
        # xinetd hands its own environment to the programs: in sanitizer
        # runs, theirs (PROG_SAN_ENV), not maildir-deliver's.
        xenv = dict(os.environ)
        if SANITIZE:
            xenv.update(PROG_SAN_ENV)
        self.xinetd = subprocess.Popen(
            ["xinetd", "-dontfork", "-f", path, "-pidfile", os.path.join(self.dir, "xinetd.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=xenv)
        for p in self.ports.values():
            wait_port(p)

    # --- helpers for tests ----------------------------------------------
    def user(self, name):
        return pwd.getpwnam(name)

    def maildir(self, user):
        return os.path.join(self.home, user, "Maildir")

    def reset_maildir(self, user, messages=(), create=True):
        """Replace user's Maildir with one holding messages (bytes)."""
        md = self.maildir(user)
        shutil.rmtree(md, ignore_errors=True)
        if not create:
            return md
        pw = self.user(user)
        for sub in ("", "tmp", "new", "cur"):
            os.mkdir(os.path.join(md, sub), 0o700)
            os.chown(os.path.join(md, sub), pw.pw_uid, pw.pw_gid)
        for i, body in enumerate(messages):
            name = "%d.M%dP%d.test,S=%d" % (1700000000 + i, i, os.getpid(), len(body))
            path = os.path.join(md, "new", name)
            with open(path, "wb") as f:
                f.write(body)
            os.chown(path, pw.pw_uid, pw.pw_gid)
            os.utime(path, (1700000000 + i, 1700000000 + i))
        return md

    def files(self, user, sub=None):
        md = self.maildir(user)
        subs = [sub] if sub else ["new", "cur"]
        out = []
        for s in subs:
            out += sorted(os.listdir(os.path.join(md, s)))
        return out

    def log(self):
        try:
            with open(os.path.join(self.dir, "xinetd.log")) as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        if self.xinetd is not None:
            self.xinetd.send_signal(signal.SIGTERM)
            try:
                self.xinetd.wait(5)
            except subprocess.TimeoutExpired:
                self.xinetd.kill()
            self.xinetd = None
        for u in reversed(self.created_users):
            run("userdel", "-r", u, check=False)
        self.created_users = []
        shutil.rmtree(self.dir, ignore_errors=True)


_env = None
_lock = None


def get():
    """The environment, created on first use.  Test runs on one machine
    share user names and /dev/log: a lock file makes them take turns."""
    global _env, _lock
    if _env is None:
        import fcntl
        _lock = open("/tmp/letterbox-integration.lock", "w")
        fcntl.flock(_lock, fcntl.LOCK_EX)
        _env = Env()
    return _env


def procs_of(cmd_name):
    """PIDs whose comm is cmd_name."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % p) as f:
                if f.read().strip() == cmd_name:
                    out.append(int(p))
        except OSError:
            pass
    return out


def status(pid):
    d = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            d[k] = v.strip()
    return d


_bindir = None


def public_exe(name):
    """A copy of program name that any user may run.  The tree itself may
    sit in a directory only root can enter (a clone under /root); tests
    that run programs as other users use this copy."""
    global _bindir
    if not os.path.exists(os.path.join(ROOT, name)):
        return os.path.join(ROOT, name)
    if _bindir is None:
        _bindir = tempfile.mkdtemp(prefix="lbbin.")
        os.chmod(_bindir, 0o755)
        atexit.register(shutil.rmtree, _bindir, True)
    dst = os.path.join(_bindir, os.path.basename(name))
    if not os.path.exists(dst):
        shutil.copy2(os.path.join(ROOT, name), dst)
        os.chmod(dst, 0o755)
    return dst


def user_uid(name):
    return pwd.getpwnam(name).pw_uid


# --- syslog capture -------------------------------------------------------
# The programs log to syslog (LOG_MAIL).  Where the machine has no syslog
# daemon (/dev/log missing, as in CI containers), we listen on /dev/log
# ourselves for the duration of the tests, so log lines can be asserted.
import threading

_syslog_lines = []
_syslog_sock = None


def _syslog_reader(sock):
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        _syslog_lines.append(data.decode("utf-8", "replace"))


def start_syslog():
    global _syslog_sock
    if _syslog_sock is not None or not IS_ROOT or os.path.exists("/dev/log"):
        return _syslog_sock is not None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("/dev/log")
    os.chmod("/dev/log", 0o666)
    _syslog_sock = s
    threading.Thread(target=_syslog_reader, args=(s,), daemon=True).start()

    def stop():
        try:
            os.unlink("/dev/log")
        except OSError:
            pass
        s.close()
    atexit.register(stop)
    return True


def syslog_text():
    """Log lines captured so far, or None if we cannot see the log."""
    if _syslog_sock is None:
        return None
    time.sleep(0.3)
    return "\n".join(_syslog_lines)
