# collect throws on an invalid healthCheck, naming the option.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  x = {
    enable = true;
    backupPaths = [ "/x" ];
    healthCheck = {
      command = "true";
      timeout = -5;
    };
  };
}
