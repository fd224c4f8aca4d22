# Just enough of nixpkgs' `lib` and `pkgs` to call nix/modules/*.nix as plain functions
# (nixpkgs is not available here). mkOption returns its argument, mkIf/mkBefore return
# tagged values the tests look into: this checks the modules' wiring (which spec field goes
# to which NixOS option), not the NixOS module system.
let
  inherit (builtins) attrNames listToAttrs;
  type = name: { inherit name; };
in
{
  lib = rec {
    mkOption = o: o;
    mkEnableOption = description: {
      type = types.bool;
      default = false;
      inherit description;
    };
    literalExpression = text: {
      _type = "literalExpression";
      inherit text;
    };
    types = {
      str = type "str";
      bool = type "bool";
      int = type "int";
      lines = type "lines";
      raw = type "raw";
      number = type "number";
      ints = {
        positive = type "positiveInt";
        unsigned = type "unsignedInt";
      };
      nullOr = t: type "nullOr ${t.name}";
      listOf = t: type "listOf ${t.name}";
      attrsOf = t: type "attrsOf ${t.name}";
      either = a: b: type "${a.name} or ${b.name}";
      enum = values: type "enum" // { inherit values; };
      submodule = m: type "submodule" // { inherit (m) options; };
    };
    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };
    mkBefore = content: {
      _type = "order";
      priority = 500;
      inherit content;
    };
    mapAttrs = builtins.mapAttrs;
    mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
    mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
    filterAttrs = p: set: listToAttrs (builtins.concatMap (n: if p n set.${n} then [ (nameValuePair n set.${n}) ] else [ ]) (attrNames set));
    nameValuePair = name: value: { inherit name value; };
    optional = c: x: if c then [ x ] else [ ];
    optionalAttrs = c: s: if c then s else { };
    concatLists = builtins.concatLists;
  };

  pkgs = {
    runtimeShell = "/nix/store/bash/bin/bash";
    writeShellScript = name: _text: "/nix/store/fake-${name}";
    gnutar = "/nix/store/gnutar";
    gzip = "/nix/store/gzip";
    xz = "/nix/store/xz";
    bzip2 = "/nix/store/bzip2";
    zip = "/nix/store/zip";
  };
}
