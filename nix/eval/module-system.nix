# nixdrill's NixOS modules through nixpkgs' real module system (lib.evalModules), without the
# rest of NixOS: stubs declare the NixOS options the modules set (assertions, systemd units,
# services.restic.backups, Impermanence's environment.persistence, ...) with permissive types,
# and `pkgs` holds placeholder strings (writeShellScript keeps its text, so what a unit would run
# can be inspected). Shared by `nixdrill eval --nixpkgs` (./modules.nix) and
# tests/nixos/eval-modules.nix (scripts/check-modules.sh).
#
#   import ./module-system.nix { lib; }  ->  { evalWith = config: <lib.evalModules result>;
#                                              modules; stubs; pkgs; }
# lib: nixpkgs' lib (nixpkgs/lib, or nixpkgs.lib's lib/).
{ lib }:
let
  option =
    type: default:
    lib.mkOption {
      inherit type default;
    };
  anyAttrs = option (lib.types.attrsOf lib.types.anything) { };
  stubs = {
    options = {
      assertions = option (lib.types.listOf lib.types.unspecified) [ ];
      warnings = option (lib.types.listOf lib.types.str) [ ];
      environment.persistence = option (lib.types.attrsOf (
        lib.types.submodule {
          options.directories = option (lib.types.listOf lib.types.str) [ ];
        }
      )) { };
      systemd.services = anyAttrs;
      systemd.timers = anyAttrs;
      systemd.tmpfiles.rules = option (lib.types.listOf lib.types.str) [ ];
      environment.systemPackages = option (lib.types.listOf lib.types.anything) [ ];
      services.restic.backups = anyAttrs;
      services.postgresql.package = option lib.types.str "postgresql";
      boot.zfs.package = option lib.types.str "zfs";
      # NixOS's is a string; null here stands for "not known when evaluating", which is what
      # nix/lib's own evaluation (hostName = null) assumes, so the two can be compared.
      networking.hostName = option (lib.types.nullOr lib.types.str) "forge";
    };
  };
  pkgs = {
    writeShellScript = n: t: "/nix/store/fake-${n}\n${t}";
    writeShellScriptBin = n: t: "/nix/store/fake-${n}/bin/${n}\n${t}";
    runtimeShell = "/bin/sh";
  }
  // lib.genAttrs [
    "restic"
    "curl"
    "coreutils"
    "bash"
    "gnutar"
    "gzip"
    "xz"
    "bzip2"
    "zip"
    "util-linux"
    "pgbackrest"
  ] (n: n);
  modules = [
    ../modules/collector.nix
    ../modules/backup.nix
    ../modules/container-backup.nix
    ../modules/drill.nix
  ];
in
{
  inherit stubs pkgs modules;
  evalWith =
    config:
    lib.evalModules {
      specialArgs = { inherit pkgs; };
      modules = [ stubs ] ++ modules ++ [ config ];
    };
}
