# mkBackupTimer: the cron schedule converted to OnCalendar, Persistent, pointing at the
# <name>-backup service.
with import ./common.nix;
let
  timer = schedule: (container.mkBackupTimer {
    name = "myapp";
    backupConfig = backupConfig // { inherit schedule; };
  });
in
{
  example = timer "0 2 * * *";
  weekdays = (timer "30 6 * * 1-5").timerConfig.OnCalendar;
  quarterHours = (timer "*/15 * * * *").timerConfig.OnCalendar;
  firstOfQuarter = (timer "0 0 1 */3 *").timerConfig.OnCalendar;
  sundayAsSeven = (timer "0 4 * * 7").timerConfig.OnCalendar;
  defaultSchedule = (container.mkBackupTimer {
    name = "myapp";
    backupConfig = { paths = [ "/var/backups/myapp" ]; };
  }).timerConfig.OnCalendar;
}
