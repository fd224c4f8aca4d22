# nixdrill backup schedule -> systemd OnCalendar, pure Nix (builtins only).
#
#   convert option value        -> { value = "<OnCalendar>" or null; error = null or "<message>"; }
#   convertOrThrow option value -> "<OnCalendar>" or throws the message.
#
# Accepted (modules.backup.schedule, default "02:00"):
#   "HH:MM" / "H:MM" / "HH:MM:SS"  -> "*-*-* HH:MM:SS" (daily at that time)
#   systemd shorthands             -> unchanged ("daily", "weekly", "hourly", ...)
#   5-field cron or @macro         -> converted by cron.nix (exact, or refused with a reason)
# Anything else is refused: a typo must fail the evaluation, not produce a timer that never
# fires (systemd would only log the bad OnCalendar= at boot).
let
  cron = import ./cron.nix;
  inherit (builtins) elemAt fromJSON isString match toJSON;

  shorthands = [
    "minutely"
    "hourly"
    "daily"
    "weekly"
    "monthly"
    "quarterly"
    "semiannually"
    "yearly"
    "annually"
  ];

  pad2 = s: if builtins.stringLength s == 1 then "0" + s else s;

  # Leading zeros are fine for humans but not for fromJSON: strip one.
  num = s: fromJSON (if builtins.stringLength s == 2 && builtins.substring 0 1 s == "0" then builtins.substring 1 1 s else s);

  convert =
    option: value:
    let
      hm = match "([0-9]{1,2}):([0-9]{2})(:([0-9]{2}))?" value;
      fail = error: {
        value = null;
        inherit error;
      };
    in
    if !isString value then
      fail "${option}: expected a string such as \"02:00\", got ${builtins.typeOf value}"
    else if hm != null then
      (
        let
          h = elemAt hm 0;
          m = elemAt hm 1;
          s = if elemAt hm 3 == null then "00" else elemAt hm 3;
        in
        if num h > 23 || num m > 59 || num s > 59 then
          fail "${option}: ${toJSON value} is not a valid time of day (00:00 to 23:59:59)"
        else
          {
            value = "*-*-* ${pad2 h}:${m}:${s}";
            error = null;
          }
      )
    else if builtins.elem value shorthands then
      {
        inherit value;
        error = null;
      }
    else if match "[ \t]*(@.*|([^ \t]+[ \t]+){4}[^ \t]+)[ \t]*" value != null then
      cron.convert option value
    else
      fail "${option}: cannot parse ${toJSON value}: expected \"HH:MM\" (e.g. \"02:00\"), \"HH:MM:SS\", a systemd shorthand (${builtins.concatStringsSep ", " shorthands}) or a 5-field cron expression";

  convertOrThrow =
    option: value:
    let
      r = convert option value;
    in
    if r.error == null then r.value else throw r.error;
in
{
  inherit convert convertOrThrow shorthands;
}
