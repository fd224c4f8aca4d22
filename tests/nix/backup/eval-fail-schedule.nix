# A schedule that is neither a time of day, a systemd shorthand nor cron.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = baseConfig // { schedule = "2am"; };
}
