# Validation: the service set itself must be an attribute set.
let
  lib = import ../../../nix/lib;
in
lib.collect [ ]
