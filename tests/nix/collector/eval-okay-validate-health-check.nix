# healthCheck validation: every problem of every service in one list, with option paths.
let
  lib = import ../../../nix/lib;
in
lib.validate {
  notAttrs.healthCheck = "curl localhost";
  noCommand.healthCheck = {
    expect = "ok";
  };
  emptyCommand.healthCheck = {
    command = "";
    timeout = 0;
  };
  wrongTypes.healthCheck = {
    command = [ "curl" ];
    expect = 1;
    timeout = "60";
    retries = 3;
  };
  fine.healthCheck = {
    command = "true";
    expect = null;
    timeout = 1;
  };
  none.healthCheck = null;
}
