# A hand-written job named like the job of a registration.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = merge baseConfig { restic.jobs.service-app.paths = [ "/srv/app" ]; };
}
