# cron -> OnCalendar, every supported form and every refusal, without throwing
# (tests/host/test-cron-systemd.sh checks the accepted ones against systemd's own evaluation).
with import ./common.nix;
builtins.listToAttrs (
  map (e: {
    name = e;
    value =
      let
        r = cron.convert "x.schedule" e;
      in
      if r.error == null then r.value else "ERROR " + r.error;
  }) [
    # accepted
    "0 2 * * *"
    "  0   2 * *  *  "
    "5 4 * * sun"
    "0 0 * * SUN"
    "0 0 * * 7"
    "0 0 * * 0,7"
    "0 0 * * 5-7"
    "0 0 * * 0-2"
    "0 0 * * */2"
    "0 12 * * 1,3,5"
    "0,30 9-17 * * mon-fri"
    "*/15 * * * *"
    "10-50/20 * * * *"
    "0 1-23/2 * * *"
    "0 0 1 */3 *"
    "0 6 * jan,JUL *"
    "0 4 8-14 * *"
    "0 0 1,2,3,10 * *"
    "0 0 */2 * 1"
    "0 0 1-31 * 1"
    "0 0 1 * 0-6"
    "15 3 29 2 *"
    "@hourly"
    "@daily"
    "@midnight"
    "@weekly"
    "@monthly"
    "@yearly"
    "@annually"
    # refused
    "0 0 1 * 1"
    "0 0 1,15 * mon"
    "0 0 31 2 *"
    "0 0 30,31 2,4 *"
    "@reboot"
    "@often"
    "0 2 * *"
    "0 2 * * * *"
    "60 * * * *"
    "0 24 * * *"
    "0 0 0 * *"
    "0 0 * 13 *"
    "0 0 * * 8"
    "0 0 * * funday"
    "0 0 * foo *"
    "5/10 * * * *"
    "*/0 * * * *"
    "0 0 5-1 * *"
    "0 0 ,1 * *"
    "0 0 L * *"
    "0 0 ? * *"
    "99999 * * * *"
  ]
)
