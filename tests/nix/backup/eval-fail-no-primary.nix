# Registrations exist but no repository is primary.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services = {
    app = service "/var/lib/app" [ "/etc/app" ];
    db = service "/var/lib/db" [ "/var/backup/db" ];
  };
  config = {
    enable = true;
    restic.repositories.nas = nas // { primary = false; };
  };
}
