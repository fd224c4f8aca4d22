# Story 2.1 AC3: disabled services (explicitly, or enable omitted) contribute nothing, neither
# to persistence nor to registrations; a disabled service never owns a path.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  on = {
    enable = true;
    dataDir = "/var/lib/on";
    backupPaths = [ "/var/lib/on/db" ];
  };
  off = {
    enable = false;
    dataDir = "/var/lib/off";
    backupPaths = [ "/var/lib/off" ];
  };
  implicit = {
    dataDir = "/var/lib/implicit";
    backupPaths = [ "/srv/implicit" ];
  };
  offShared = {
    enable = false;
    backupPaths = [ "/var/lib/on" ];
    priority = 1;
  };
}
