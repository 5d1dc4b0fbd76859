#!/usr/bin/env python3
"""Run the integration tests (tests/integration/test_*.py) with unittest.

Prints one closing line "integration: N passed, N failed, N skipped".
Arguments, if any, are test name patterns (unittest -k style).
Most tests need root (real PAM, chroot, setuid, seccomp); they skip with a
reason otherwise.
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    loader = unittest.TestLoader()
    if len(sys.argv) > 1:
        loader.testNamePatterns = ["*%s*" % a for a in sys.argv[1:]]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout)
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped
    print("integration: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    if res.testsRun == 0:
        print("integration: no tests ran")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
