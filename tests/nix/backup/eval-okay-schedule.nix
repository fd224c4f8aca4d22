# modules.backup.schedule -> timerConfig.OnCalendar of every job (Persistent = true so a
# missed run happens at the next boot).
with import ./common.nix;
let
  timer =
    schedule:
    (backup.renderBackups {
      services.app = service "/var/lib/app" [ "/etc/app" ];
      config = baseConfig // { inherit schedule; };
    }).jobs.service-app.timerConfig;
  default =
    (backup.renderBackups {
      services.app = service "/var/lib/app" [ "/etc/app" ];
      config = baseConfig;
    }).jobs.service-app.timerConfig;
in
{
  inherit default;
  "03:30" = timer "03:30";
  "4:05" = timer "4:05";
  "23:59:30" = timer "23:59:30";
  daily = timer "daily";
  weekly = timer "weekly";
  cron = timer "15 1 * * mon-fri";
  cronMacro = timer "@weekly";
}
