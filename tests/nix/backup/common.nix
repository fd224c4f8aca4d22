# Shared fixtures of the backup tests (not a test itself: the runner only picks eval-*.nix).
let
  nixlib = import ../../../nix/lib;
in
rec {
  backup = import ../../../nix/lib/backup.nix { inherit (nixlib) collector; };

  # A job spec without its long texts (tested on their own in eval-okay-hooks/-metrics).
  brief =
    j:
    removeAttrs j [
      "backupPrepareCommand"
      "backupCleanupCommand"
      "metricsHook"
    ];

  nas = {
    url = "/mnt/nas/restic";
    passwordFile = "/run/secrets/restic-nas";
    primary = true;
  };

  # Recursive update (nixpkgs' recursiveUpdate): attrsets merged, anything else replaced.
  merge =
    a: b:
    a
    // builtins.mapAttrs (
      n: v: if builtins.isAttrs v && builtins.isAttrs (a.${n} or null) then merge a.${n} v else v
    ) b;

  # enable + one primary repository; tests add what they need with `merge`.
  baseConfig = {
    enable = true;
    restic.repositories.nas = nas;
  };

  service = dataDir: backupPaths: {
    enable = true;
    inherit dataDir backupPaths;
  };

  # Fields of every job, for tests that compare one aspect across jobs.
  pick = fields: jobs: builtins.mapAttrs (_: j: builtins.listToAttrs (map (f: { name = f; value = j.${f}; }) fields)) jobs;
}
