# nixdrill pure library (builtins only): the single import point, `import ./nix/lib`.
#
# Stable entry points (used by the C++ harness, the NixOS modules and tests/nix):
#   collect services  -> { persistence; backups; backupOrder; overlaps; }  (throws on invalid input)
#   validate services -> [ error message ... ]                             (never throws)
#   paths             -> normalisePath, isNested, ancestors, uniqueStrings, ...
# See docs/collector.md.
let
  paths = import ./paths.nix;
  collector = import ./collector.nix { inherit paths; };
in
{
  inherit paths collector;
  inherit (collector) collect validate;

  # Other libraries plug in here, each taking what it needs from the ones above.
  backup = import ./backup.nix { inherit collector; };
  container = import ./container.nix;
  cron = import ./cron.nix;
  schedule = import ./schedule.nix;
  drill = import ./drill.nix;
}
