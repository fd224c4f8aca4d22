# nixdrill in-place restore scripts (builtins only): restore-<job>.sh of a job whose contract
# declares postRestore, the service's own way to take restored files back (load a dump, ...).
# PostgreSQL jobs have their own (nix/lib/postgres.nix). Semantics: docs/backup-module.md,
# "Restore scripts".
{ postgresLib, shell }:
{
  restoreScript =
    j:
    "#!/usr/bin/env bash\n"
    + "# In-place restore of backup job ${j.name}, rendered by nixdrill (nix/lib/restore.nix); re-render instead of editing.\n"
    + "set -uo pipefail\n"
    + shell.assignments (
      postgresLib.repositoryAssignments { inherit (j) repository passwordFile environmentFile; }
      ++ [
        {
          name = "NIXDRILL_JOB";
          value = j.name;
        }
        {
          name = "NIXDRILL_PATHS";
          value = j.paths;
        }
        {
          name = "NIXDRILL_UNITS";
          value = j.systemdUnits;
        }
      ]
    )
    + "# shellcheck disable=SC2016 # the hook's text, expanded when bash -c runs it\n"
    + shell.assignments [
      {
        name = "NIXDRILL_POST_RESTORE";
        value = j.postRestore;
      }
    ]
    + shell.body ./scripts/restore-job.sh
    + "\nnixdrill_restore_main \"$@\"\n";
}
