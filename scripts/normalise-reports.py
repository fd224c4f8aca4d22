#!/usr/bin/env python3
"""Prints what a run's reports say, without what changes from run to run (times, ids, host
facts), so that the reports of two runs of the same suite can be diffed:

    python3 scripts/normalise-reports.py reports/ > before.txt   # ... then after.txt; diff them

run.json: every case (suite, classname, name, kind, outcome, failed attempts, mismatch
pointers); junit.xml: every testsuite and testcase with its verdict element; nixdrill.prom:
every sample (series and value) but durations, timestamps, run_info (host facts) and the
agent traffic counters (nixdrill_drill_operations{what="agent.*"}).
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def main(directory):
    print("# run.json cases")
    with open(f"{directory}/run.json") as f:
        run = json.load(f)
    for suite in run["suites"]:
        for c in suite["cases"]:
            pointers = " ".join(m.get("pointer", "") for m in c.get("mismatches", []))
            print("\t".join([suite["name"], c.get("classname", ""), c["name"], c.get("kind", ""), c["outcome"],
                             str(len(c.get("failedAttempts", []))), pointers]))
    print("# junit.xml testcases")
    root = ET.parse(f"{directory}/junit.xml").getroot()
    for ts in root.iter("testsuite"):
        for tc in ts.iter("testcase"):
            verdict = [child.tag for child in tc if child.tag in ("failure", "error", "skipped")]
            print("\t".join([ts.get("name", ""), tc.get("classname", ""), tc.get("name", ""), ",".join(verdict)]))
    if not os.path.exists(f"{directory}/nixdrill.prom"):
        return
    print("# nixdrill.prom series")
    with open(f"{directory}/nixdrill.prom") as f:
        series = sorted(
            line.strip() for line in f
            if line.strip() and not line.startswith("#")
            and not re.match(r"\w*(_seconds|_timestamp_seconds|_run_info)\b", line)
            # The harness's traffic with the guest agent: polls and pings depend on timing, calls
            # on how the harness asks; neither is a result of the drill.
            and not re.match(r'nixdrill_drill_operations\{.*what="agent\.', line))
    print("\n".join(series))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "reports")
