#!/usr/bin/env python3
"""Run the integration tests (tests/integration/test_*.py) with unittest.

Prints one closing line "integration: N passed, N failed, N skipped".
Arguments, if any, are test name patterns (unittest -k style).
Most tests need root (real PAM, chroot, setuid, seccomp); they skip with a
reason otherwise.
"""
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def sanitizer_setup():
    """LB_SANITIZE=1: a directory for the reports (see lbenv.py), and the
    options maildir-deliver (run directly by the tests) inherits."""
    if os.environ.get("LB_SANITIZE") != "1":
        return None
    d = tempfile.mkdtemp(prefix="lbsan.")
    os.chmod(d, 0o1777)     # maildir-deliver may run as the user
    os.environ["LB_SAN_DIR"] = d
    supp = os.path.join(HERE, "lsan.supp")
    os.environ["ASAN_OPTIONS"] = "detect_leaks=1:log_path=%s/deliver" % d
    os.environ["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/deliver" % d
    os.environ["LSAN_OPTIONS"] = "suppressions=%s:print_suppressions=0" % supp
    return d


def sanitizer_reports(d):
    """Print every non-empty report; return how many there were."""
    n = 0
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        with open(path, errors="replace") as f:
            text = f.read()
        if text.strip():
            n += 1
            print("=== sanitizer report: %s\n%s" % (name, text))
    shutil.rmtree(d, ignore_errors=True)
    return n


def main():
    sandir = sanitizer_setup()
    loader = unittest.TestLoader()
    if len(sys.argv) > 1:
        loader.testNamePatterns = ["*%s*" % a for a in sys.argv[1:]]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    if sandir is not None:
        import lbenv
        if lbenv._env is not None:
            lbenv._env.cleanup()
        # Connections still closing: their monitors check for leaks last.
        for _ in range(100):
            if not (lbenv.procs_of("pop3d") or lbenv.procs_of("imapd")):
                break
            time.sleep(0.1)
        reports = sanitizer_reports(sandir)
        print("integration: sanitizer reports: %d" % reports)
        if reports:
            failed += 1
    print("integration: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if res.testsRun == 0:
        print("integration: no tests ran")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
