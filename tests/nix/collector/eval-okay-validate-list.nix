# validate never throws. Messages: services in name order; within a service the name check
# first, then fields in attribute-name order (backup's sub-fields, then the snapshot rule, in
# backup's slot). Disabled services are validated too. Names that are not Nix identifiers are
# quoted in the option path as nixpkgs' showOption does.
let
  lib = import ../../../nix/lib;
in
[
  (lib.validate {
    ok = {
      enable = true;
      backupPaths = [ "/x" ];
    };
    "9lives" = { };
    "m@n".enable = false;
    "svc.2" = { };
    "a_b-c" = { };
  })
  (lib.validate {
    b = {
      enable = "yes";
      priority = "high";
      foo = 1;
    };
    a = {
      dataDir = "rel";
      backup = {
        useSnapshots = true;
        bar = null;
      };
    };
    "svc.2".priority = 1.5;
    "bad name" = [ ];
  })
  (lib.validate [ ])
]
