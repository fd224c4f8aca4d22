# "/" as a path: everything is nested in it, and it has no ancestor.
# 1: "/" at priority 1000 cannot take anything from the earlier etc(10); "//" normalises to
#    "/" and is removed from the later rootless(2000), which is dropped.
# 2: "/" first takes everything; "/var/lib/a/x" was already dropped inside a, so it is not an
#    overlap; root.service appears once in root's units.
let
  lib = import ../../../nix/lib;
in
[
  (lib.collect {
    root = {
      enable = true;
      backupPaths = [
        "/"
        "/etc"
      ];
      priority = 1000;
    };
    etc = {
      enable = true;
      dataDir = "/etc/nixos";
      backupPaths = [ "/etc/ssh" ];
      priority = 10;
    };
    rootless = {
      enable = true;
      backupPaths = [ "//" ];
      priority = 2000;
    };
  })
  (lib.collect {
    root = {
      enable = true;
      backupPaths = [ "/" ];
      priority = 1;
    };
    a = {
      enable = true;
      dataDir = "/var/lib/a";
      backupPaths = [ "/var/lib/a/x" ];
    };
    b = {
      enable = true;
      backupPaths = [ "/home/user with space" ];
      systemdUnits = [
        "b.service"
        "root.service"
      ];
    };
  })
]
