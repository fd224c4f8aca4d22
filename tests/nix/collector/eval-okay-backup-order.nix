# Story 2.2 AC7: backupOrder sorts by priority (lower first, negatives allowed; databases
# before applications), then by name as attrNames sorts it (upper case before lower case).
let
  lib = import ../../../nix/lib;
  r = lib.collect {
    web = {
      enable = true;
      backupPaths = [ "/srv/web" ];
    };
    postgresql = {
      enable = true;
      backupPaths = [ "/var/lib/postgresql" ];
      priority = 10;
    };
    redis = {
      enable = true;
      backupPaths = [ "/var/lib/redis" ];
      priority = 10;
    };
    api = {
      enable = true;
      backupPaths = [ "/srv/api" ];
    };
    early = {
      enable = true;
      backupPaths = [ "/srv/early" ];
      priority = -5;
    };
    late = {
      enable = true;
      backupPaths = [ "/srv/late" ];
      priority = 1000;
    };
    B = {
      enable = true;
      backupPaths = [ "/srv/B" ];
    };
  };
in
{
  inherit (r) backupOrder;
  priorities = map (n: r.backups.${n}.priority) r.backupOrder;
}
