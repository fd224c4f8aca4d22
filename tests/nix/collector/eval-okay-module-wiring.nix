# Wiring of the NixOS module (nix/modules/collector.nix) without nixpkgs: the module function
# is applied to a stub of the few `lib` functions it uses, and to a `config` shaped like the
# module system's (declared options filled in, `_module` added to each submodule value).
# This checks what the module publishes and declares, not option merging or type checking
# (those need nixpkgs' evalModules, which is not available here).
let
  module = import ../../../nix/modules/collector.nix;

  stubLib = {
    mkOption = o: o;
    mkEnableOption = what: {
      type = stubLib.types.bool;
      default = false;
      description = "Whether to enable ${what}.";
    };
    literalExpression = text: {
      _type = "literalExpression";
      inherit text;
    };
    mkAfter = content: {
      _type = "order";
      priority = 1500;
      inherit content;
    };
    types = rec {
      str = "str";
      int = "int";
      bool = "bool";
      lines = "lines";
      attrs = "attrs";
      anything = "anything";
      nullOr = t: if builtins.isString t then "nullOr ${t}" else { nullOr = t; };
      listOf = t: "listOf ${if builtins.isString t then t else "submodule"}";
      attrsOf = t: {
        attrsOf = t;
      };
      submodule = m: { submodule = m; };
    };
  };

  # As the module system would hand the contracts over: every declared option set.
  filled =
    name: v:
    {
      _module = { };
      enable = false;
      dataDir = null;
      backupPaths = [ ];
      systemdUnits = [ "${name}.service" ];
      priority = 100;
      exclude = [ ];
      preBackup = null;
      postBackup = null;
      healthCheck = null;
      backup = {
        repository = null;
        tags = [ ];
        useSnapshots = false;
        zfsDataset = null;
      };
    }
    // v;

  eval =
    services:
    module {
      lib = stubLib;
      config.qgroget.serviceModules = builtins.mapAttrs filled services;
    };

  valid = eval {
    db = {
      enable = true;
      dataDir = "/var/lib/db";
      backupPaths = [ "/var/lib/db/wal" ];
      priority = 10;
      # As the module system hands over a submodule's value: with `_module`.
      healthCheck = {
        _module = { };
        command = "test -s /var/lib/db/wal/0001";
        expect = null;
        timeout = 30;
      };
    };
    app = {
      enable = true;
      backupPaths = [
        "/srv/app"
        "/var/lib/db/app"
      ];
    };
  };
  invalid = eval {
    app = {
      enable = true;
      backupPaths = [ "srv/app" ];
    };
  };

  serviceOptions = (valid.options.qgroget.serviceModules.type.attrsOf.submodule { name = "nextcloud"; }).options;
in
{
  valid = {
    inherit (valid.config) assertions;
    inherit (valid.config.qgroget) backups collector;
    persistence = valid.config.environment.persistence."/persist".directories;
  };
  invalid = {
    inherit (invalid.config) assertions;
    inherit (invalid.config.qgroget) backups;
    persistence = invalid.config.environment.persistence."/persist".directories.content;
  };
  declared = {
    qgroget = builtins.attrNames valid.options.qgroget;
    service = builtins.attrNames serviceOptions;
    backup = builtins.attrNames serviceOptions.backup;
    healthCheck = builtins.attrNames (serviceOptions.healthCheck.type.nullOr.submodule).options;
    registration = builtins.attrNames valid.options.qgroget.backups.type.attrsOf.submodule.options;
    backupsReadOnly = valid.options.qgroget.backups.readOnly;
    unitsDefault = serviceOptions.systemdUnits.default;
    unitsDefaultText = serviceOptions.systemdUnits.defaultText.text;
    priority = {
      inherit (serviceOptions.priority) type default;
    };
    everyServiceOptionDescribed = builtins.all (o: (o.description or "") != "") (
      builtins.attrValues (builtins.removeAttrs serviceOptions [ "backup" ])
      ++ builtins.attrValues serviceOptions.backup
      ++ builtins.attrValues serviceOptions.healthCheck.type.nullOr.submodule.options
    );
  };
}
