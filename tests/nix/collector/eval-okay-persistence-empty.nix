# No services, and only disabled services: everything empty.
let
  lib = import ../../../nix/lib;
in
[
  (lib.collect { })
  (lib.collect {
    a = {
      dataDir = "/x";
      backupPaths = [ "/y" ];
    };
    b.enable = false;
  })
]
