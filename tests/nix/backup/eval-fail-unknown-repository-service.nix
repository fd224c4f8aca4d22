# A service contract naming a repository that is not defined.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ] // {
    backup.repository = "offsite";
  };
  config = baseConfig;
}
