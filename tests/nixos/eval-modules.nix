# Evaluates the NixOS modules through the real module system (lib.evalModules) with stubs
# for the NixOS options they set. Needs nixpkgs' lib: scripts/check-modules.sh PATH.
{ nixpkgsLib }:
let
  lib = import (nixpkgsLib + "/lib");
  stubs = { lib, ... }: {
    options = {
      assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = []; };
      warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = []; };
      environment.persistence = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { options.directories = lib.mkOption { type = lib.types.listOf lib.types.str; default = []; }; }); default = {}; };
      systemd.services = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = {}; };
      systemd.timers = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = {}; };
      systemd.tmpfiles.rules = lib.mkOption { type = lib.types.listOf lib.types.str; default = []; };
      services.restic.backups = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = {}; };
      networking.hostName = lib.mkOption { type = lib.types.str; default = "forge"; };
    };
  };
  pkgs = { writeShellScript = n: t: "/nix/store/fake-${n}"; restic = "restic"; curl = "curl"; coreutils = "coreutils"; bash = "bash"; gnutar = "gnutar"; gzip = "gzip"; xz = "xz"; bzip2 = "bzip2"; zip = "zip"; };
  eval = lib.evalModules {
    specialArgs = { inherit pkgs; };
    modules = [
      stubs
      ../../nix/modules/collector.nix
      ../../nix/modules/backup.nix
      ../../nix/modules/drill.nix
      {
        environment.persistence."/persist".directories = [ "/etc/nixos" ];
        qgroget.serviceModules.nextcloud = { enable = true; dataDir = "/var/lib/nextcloud"; backupPaths = [ "/srv/nc" ]; };
        qgroget.serviceModules.postgresql = { enable = true; dataDir = "/var/lib/postgresql"; priority = 10; backupPaths = [ "/var/backup/pg" ]; };
        modules.backup = { enable = true; restic.repositories.nas = { url = "/mnt/nas"; passwordFile = "/run/keys/pw"; primary = true; }; monitoring.prometheus.enable = true; };
        services.nixdrill.package = "nixdrill";
        services.nixdrill.drills.nas = { repository = "/mnt/nas"; passwordFile = "/run/keys/pw"; schedule = "0 4 * * 0"; };
      }
    ];
  };
  c = eval.config;
in {
  persistence = c.environment.persistence."/persist".directories;
  backups = builtins.attrNames c.qgroget.backups;
  assertions = map (a: a.message) (builtins.filter (a: !a.assertion) c.assertions);
  restic = builtins.attrNames c.services.restic.backups;
  services = builtins.attrNames c.systemd.services;
  timers = builtins.attrNames c.systemd.timers;
}
