# mkBackupService for each archive format: a oneshot unit whose script carries the format, and
# the packages (nixpkgs names) the NixOS module puts on its PATH.
with import ./common.nix;
builtins.listToAttrs (
  map (format: {
    name = format;
    value =
      let
        a = args // {
          backupConfig = backupConfig // { inherit format; };
        };
        svc = container.mkBackupService a;
      in
      {
        inherit (svc) description serviceConfig;
        format = builtins.filter (l: builtins.match "NIXDRILL_FORMAT=.*" l != null) (settings svc.script);
        packages = (container.render a).packages;
      };
  }) container.formats
)
