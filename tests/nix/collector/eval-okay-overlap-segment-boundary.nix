# Nesting is on path-segment boundaries: "/var/lib/ab", "/var/lib/a-b", "/var/lib/a.b" are not
# inside "/var/lib/a" (string prefixes), "/var/lib/a/b" is.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  a = {
    enable = true;
    backupPaths = [ "/var/lib/a" ];
    priority = 1;
  };
  ab = {
    enable = true;
    backupPaths = [
      "/var/lib/ab"
      "/var/lib/a-b"
      "/var/lib/a.b"
    ];
  };
  c = {
    enable = true;
    backupPaths = [ "/var/lib/a/b" ];
  };
}
