# Validation: '..' segment in dataDir, also as the last segment.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = { enable = true; dataDir = "/srv/.."; };
}
