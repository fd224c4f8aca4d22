# A repository with an empty password file path, and one that never set it.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = merge baseConfig {
    restic.repositories.nas.passwordFile = "";
    restic.repositories.offsite.url = "b2:bucket:/host";
  };
}
