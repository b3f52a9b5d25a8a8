"""The harness's own rules for tests that hold a renewal mid-issuance: a renewal that completed
without any challenge record is told apart from a failure (harness.NoChallengeToHold), and such a
test runs once more, never more. No server is started."""

import subprocess
import unittest

import harness


class FakeDns:
    def __init__(self, records_after=None):
        self.calls = 0
        self.records_after = records_after

    def txt_records(self):
        self.calls += 1
        return ["rec"] if self.records_after is not None and self.calls > self.records_after else []


def finished(code):
    proc = subprocess.Popen(["sh", "-c", "exit %d" % code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    proc.wait()
    return proc


class WaitForChallengeRecord(unittest.TestCase):
    def test_a_record_that_appears_ends_the_wait(self):
        running = subprocess.Popen(["sleep", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(running.communicate)
        self.addCleanup(running.kill)
        harness.wait_for_challenge_record(FakeDns(records_after=2), [running], "a record")

    def test_a_renewal_that_succeeded_without_a_record_had_no_challenge(self):
        with self.assertRaises(harness.NoChallengeToHold):
            harness.wait_for_challenge_record(FakeDns(), [finished(0)], "a record")

    def test_a_renewal_that_failed_is_a_failure(self):
        with self.assertRaises(AssertionError) as caught:
            harness.wait_for_challenge_record(FakeDns(), [finished(1)], "a record")
        self.assertNotIsInstance(caught.exception, harness.NoChallengeToHold)


class RerunOnce(unittest.TestCase):
    def make(self, outcomes):
        """A test case whose test raises the given outcomes in turn (None: passes)."""
        log = []

        class Case(unittest.TestCase):
            def setUp(self):
                log.append("setUp")
                self.addCleanup(lambda: log.append("cleanup"))

            @harness.rerun_once_without_a_challenge
            def test_it(self):
                log.append("run")
                outcome = outcomes.pop(0)
                if outcome is not None:
                    raise outcome

        return Case("test_it"), log

    def run_case(self, case):
        result = unittest.TestResult()
        case.run(result)
        return result

    def test_no_challenge_once_runs_the_scenario_again_after_its_cleanups(self):
        case, log = self.make([harness.NoChallengeToHold("reused"), None])
        result = self.run_case(case)
        self.assertTrue(result.wasSuccessful(), result.failures + result.errors)
        self.assertEqual(log, ["setUp", "run", "cleanup", "setUp", "run", "cleanup"])

    def test_no_challenge_twice_fails(self):
        case, log = self.make([harness.NoChallengeToHold("reused"), harness.NoChallengeToHold("again")])
        result = self.run_case(case)
        self.assertEqual(len(result.failures), 1)
        self.assertEqual(log.count("run"), 2)

    def test_any_other_failure_is_not_run_again(self):
        case, log = self.make([AssertionError("a real failure"), None])
        result = self.run_case(case)
        self.assertEqual(len(result.failures), 1)
        self.assertEqual(log.count("run"), 1)


if __name__ == "__main__":
    unittest.main()
