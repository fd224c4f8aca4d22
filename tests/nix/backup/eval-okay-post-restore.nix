# A contract's postRestore reaches its job and renders restore-<job>.sh (the job's paths and
# units in the header, the hook quoted, not raw); jobs without it have no restore script.
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      shop = service "/srv/shop" [ "/var/backup/shop" ] // {
        systemdUnits = [ "shop.service" ];
        postRestore = "mariadb </var/backup/shop/shop.sql && echo \"it's loaded\"";
      };
      plain = service "/var/lib/plain" [ "/etc/plain" ];
    };
    config = baseConfig;
  };
  lines = f: builtins.filter builtins.isString (builtins.split "\n" r.files.${f});
in
{
  jobs = builtins.mapAttrs (_: j: { inherit (j) postRestore restoreFile; }) r.jobs;
  files = builtins.filter (f: builtins.match "restore-.*" f != null) (builtins.attrNames r.files);
  header = builtins.filter (l: builtins.match "NIXDRILL_(PATHS|UNITS|POST_RESTORE|JOB)=.*" l != null) (
    lines "restore-service-shop.sh"
  );
  ends = builtins.match ".*\nnixdrill_restore_main \"\\$@\"\n" r.files."restore-service-shop.sh" != null;
}
