# Story 2.2 defaults: units "<name>.service", priority 100, no excludes, no hooks.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  svc = {
    enable = true;
    backupPaths = [ "/var/lib/svc" ];
  };
  "vault-agent.main" = {
    enable = true;
    backupPaths = [ "/var/lib/vault-agent" ];
  };
  "getty@tty1" = {
    enable = true;
    backupPaths = [ "/var/lib/getty" ];
    backup = { };
  };
}
