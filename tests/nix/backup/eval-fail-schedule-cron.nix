# A cron schedule that OnCalendar cannot express.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = baseConfig // { schedule = "0 3 1 * sun"; };
}
