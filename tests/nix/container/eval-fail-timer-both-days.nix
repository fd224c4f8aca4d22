# cron ORs day-of-month and day-of-week when both are restricted, OnCalendar ANDs them: refused, naming the option.
with import ./common.nix;
container.mkBackupTimer {
  name = "myapp";
  backupConfig = backupConfig // { schedule = "0 2 1 * mon"; };
  optionPath = "modules.services.virtualization.myapp.backup";
}
