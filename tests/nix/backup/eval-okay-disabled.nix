# modules.backup.enable = false (also its default): no jobs, no files; problems are still
# reported by validate (the NixOS module only turns them into assertions when enabled).
with import ./common.nix;
let
  services.app = service "/var/lib/app" [ "/etc/app" ];
  off = backup.renderBackups {
    inherit services;
    config = baseConfig // { enable = false; };
  };
  unset = backup.renderBackups {
    inherit services;
    config.restic.repositories.nas = nas;
  };
  broken = backup.renderBackups {
    inherit services;
    config.schedule = "whenever";
  };
in
{
  off = {
    inherit (off) ok jobs jobOrder files metricsFiles;
  };
  unset = {
    inherit (unset) ok jobs;
  };
  broken = {
    inherit (broken) ok errors jobs;
  };
}
