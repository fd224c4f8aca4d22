# Exclude patterns: a registration's `exclude` and a hand-written job's `excludePatterns`
# both become the job's `exclude` (nixpkgs writes it to an --exclude-file; run-<job>.sh passes
# one --exclude each), unchanged and in order.
with import ./common.nix;
let
  r = backup.renderBackups {
    services.nextcloud = service "/var/lib/nextcloud" [ "/var/lib/nextcloud/data" "/etc/nextcloud" ] // {
      exclude = [
        "*.part"
        "/var/lib/nextcloud/data/*/cache"
        "appdata_*/preview"
      ];
    };
    config = merge baseConfig {
      restic.jobs.home = {
        paths = [ "/home" ];
        excludePatterns = [
          "*/.cache"
          "*/node_modules"
          "*/target"
          "*/.git"
        ];
      };
    };
  };
in
builtins.mapAttrs (_: j: j.exclude) r.jobs
