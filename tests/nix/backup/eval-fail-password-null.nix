# A repository without password file (null).
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = merge baseConfig { restic.repositories.nas.passwordFile = null; };
}
