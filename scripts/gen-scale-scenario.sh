#!/usr/bin/env bash
# Generates scenarios/scale/services-N.json: N services with overlapping shared paths, mixed
# priorities and some disabled, for the collector at scale. Expectations are then filled with
# `nixdrill eval --accept` after the invariants pass, and reviewed like any golden change.
# Usage: gen-scale-scenario.sh N OUT.json
set -euo pipefail
n=${1:?count} out=${2:?output file}
jq -n --argjson n "$n" '
  def pad: tostring | ("0000" + .)[-4:];
  {
    format: "nixdrill-scenario/1",
    name: "services-\($n)",
    description: "\($n) services: every 13th disabled, priorities 0-60 by 10, every service also backs up a directory shared with a tenth of the others, every 50th has no backupPaths.",
    services: ([range(0; $n) | . as $i | {
      key: "svc-\($i | pad)",
      value: ({
        enable: ($i % 13 != 0),
        dataDir: "/var/lib/svc-\($i | pad)",
        backupPaths: (if $i % 50 == 49 then [] else ["/srv/svc-\($i | pad)/data", "/srv/shared/group-\($i % 10)"] end),
        priority: (($i % 7) * 10)
      })
    }] | from_entries)
  }' >"$out"
