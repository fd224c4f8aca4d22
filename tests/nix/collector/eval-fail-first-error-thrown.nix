# Validation: several errors: collect throws the first one validate lists (service a before b).
let
  lib = import ../../../nix/lib;
in
lib.collect {
  b.priority = 1.5; a.dataDir = "rel";
}
