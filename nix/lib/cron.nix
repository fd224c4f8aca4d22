# nixdrill cron -> systemd OnCalendar conversion, pure Nix (builtins only).
#
#   convert option expr        -> { value = "<OnCalendar>" or null; error = null or "<message>"; }
#                                 never throws; `option` (e.g. "modules.foo.backup.schedule")
#                                 starts every message.
#   convertOrThrow option expr -> "<OnCalendar>", throws the message otherwise.
#
# Supported: 5 fields (minute hour day-of-month month day-of-week) made of `*`, numbers,
# lists `a,b`, ranges `a-b`, steps `*/n` and `a-b/n`; month names jan..dec and weekday names
# sun..sat (any case); day-of-week 7 = Sunday; the macros @yearly @annually @monthly @weekly
# @daily @midnight @hourly.
#
# Every field is expanded to the exact set of values cron matches, then rendered back in
# systemd's syntax, so the conversion is exact or it is refused. Refused with a message:
# anything unparseable or out of range, `@reboot`, expressions that never fire (31 2 ...),
# and day-of-month + day-of-week both restricted: cron runs when EITHER matches, OnCalendar
# only when BOTH match (vixie cron rule: a field starting with `*` counts as unrestricted for
# this choice, so `*/2` in one of them keeps the AND reading, as in cron).
let
  inherit (builtins)
    all
    any
    attrNames
    concatStringsSep
    elemAt
    filter
    foldl'
    genList
    head
    isString
    length
    lessThan
    match
    replaceStrings
    sort
    split
    stringLength
    substring
    tail
    toJSON
    ;

  range = a: b: if b < a then [ ] else genList (i: a + i) (b - a + 1);

  # Digit strings only (checked by the caller's regex); at most 4 digits so no overflow.
  toInt =
    s:
    foldl' (acc: c: acc * 10 + (builtins.fromJSON c)) 0 (genList (i: substring i 1 s) (stringLength s));

  toLower = replaceStrings upper lower;
  upper = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ];
  lower = [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];

  # Sorted, without repeats.
  uniqueSorted =
    xs:
    let
      s = sort lessThan xs;
    in
    filter (x: x != null) (genList (i: if i > 0 && elemAt s (i - 1) == elemAt s i then null else elemAt s i) (length s));

  fieldSpecs = [
    {
      name = "minute";
      min = 0;
      max = 59;
      names = { };
    }
    {
      name = "hour";
      min = 0;
      max = 23;
      names = { };
    }
    {
      name = "day-of-month";
      min = 1;
      max = 31;
      names = { };
    }
    {
      name = "month";
      min = 1;
      max = 12;
      names = {
        jan = 1;
        feb = 2;
        mar = 3;
        apr = 4;
        may = 5;
        jun = 6;
        jul = 7;
        aug = 8;
        sep = 9;
        oct = 10;
        nov = 11;
        dec = 12;
      };
    }
    {
      name = "day-of-week";
      min = 0;
      max = 7;
      names = {
        sun = 0;
        mon = 1;
        tue = 2;
        wed = 3;
        thu = 4;
        fri = 5;
        sat = 6;
      };
    }
  ];

  ok = value: {
    inherit value;
    error = null;
  };
  err = error: {
    value = null;
    inherit error;
  };

  # One value token (number or name) of a field.
  parseValue =
    spec: t:
    if match "[0-9]+" t != null then
      (
        let
          n = toInt t;
        in
        if stringLength t > 4 || n < spec.min || n > spec.max then
          err "value ${t} is out of range ${toString spec.min}-${toString spec.max}"
        else
          ok n
      )
    else if match "[A-Za-z]+" t != null && spec.names ? ${toLower t} then
      ok spec.names.${toLower t}
    else
      err "${toJSON t} is not a number${if spec.names == { } then "" else " or a known name"}";

  parseStep =
    t:
    let
      n = if stringLength t > 4 then 0 else toInt t;
    in
    if n < 1 then err "step ${t} must be between 1 and 9999" else ok n;

  # a..b every s, validated.
  expandRange =
    spec: a: b: s:
    let
      pa = parseValue spec a;
      pb = parseValue spec b;
      ps = if s == null then ok 1 else parseStep s;
    in
    if pa.error != null then
      pa
    else if pb.error != null then
      pb
    else if ps.error != null then
      ps
    else if pb.value < pa.value then
      err "range ${a}-${b} runs backwards"
    else
      ok (genList (i: pa.value + i * ps.value) ((pb.value - pa.value) / ps.value + 1));

  # One comma-separated element of a field -> list of values.
  parseItem =
    spec: item:
    let
      single = match "([^-/*]+)" item;
      rng = match "([^-/*]+)-([^-/*]+)" item;
      rngStep = match "([^-/*]+)-([^-/*]+)/([0-9]+)" item;
      starStep = match "\\*/([0-9]+)" item;
      startStep = match "([^-/*]+)/([0-9]+)" item;
    in
    if item == "*" then
      ok (range spec.min spec.max)
    else if starStep != null then
      (
        let
          s = parseStep (head starStep);
        in
        if s.error != null then s else ok (genList (i: spec.min + i * s.value) ((spec.max - spec.min) / s.value + 1))
      )
    else if single != null then
      (
        let
          v = parseValue spec (head single);
        in
        if v.error != null then v else ok [ v.value ]
      )
    else if rng != null then
      expandRange spec (elemAt rng 0) (elemAt rng 1) null
    else if rngStep != null then
      expandRange spec (elemAt rngStep 0) (elemAt rngStep 1) (elemAt rngStep 2)
    else if startStep != null then
      err "${toJSON item} (start/step without a range) is not portable cron; write ${head startStep}-${toString spec.max}/${elemAt startStep 1}"
    else
      err "cannot parse ${toJSON item}";

  # A whole field -> { value = { values (sorted, unique); star; full; }; error; }.
  parseField =
    spec: text:
    let
      items = filter isString (split "," text);
      parsed = map (parseItem spec) items;
      firstError = foldl' (e: p: if e == null then p.error else e) null parsed;
      # cron's day-of-week 7 is Sunday, like 0.
      fold7 = v: if spec.name == "day-of-week" && v == 7 then 0 else v;
      values = uniqueSorted (map fold7 (builtins.concatMap (p: p.value) parsed));
      fullMax = if spec.name == "day-of-week" then 6 else spec.max;
    in
    if any (i: i == "") items then
      err "${spec.name} field ${toJSON text}: empty list element"
    else if firstError != null then
      err "${spec.name} field ${toJSON text}: ${firstError}"
    else
      ok {
        inherit values;
        star = substring 0 1 text == "*";
        full = values == range spec.min fullMax;
      };

  pad2 = n: if n < 10 then "0${toString n}" else toString n;

  # Sorted ints -> [ { from; to; } ] runs of consecutive values.
  runsOf =
    xs:
    foldl' (
      acc: x:
      if acc != [ ] && (elemAt acc (length acc - 1)).to + 1 == x then
        (genList (i: elemAt acc i) (length acc - 1)) ++ [ ((elemAt acc (length acc - 1)) // { to = x; }) ]
      else
        acc
        ++ [
          {
            from = x;
            to = x;
          }
        ]
    ) [ ] xs;

  # Runs of 3+ values as `a..b`, shorter ones listed: "01,03..05".
  renderList =
    fmt: xs:
    concatStringsSep "," (
      builtins.concatMap (
        r:
        if r.to - r.from >= 2 then
          [ "${fmt r.from}..${fmt r.to}" ]
        else
          map fmt (range r.from r.to)
      ) (runsOf xs)
    );

  # A numeric component: `*`, `start/step` when the values are exactly what systemd's
  # repetition produces (start, start+step, ... up to the maximum), otherwise a list.
  renderNumeric =
    spec: f:
    let
      xs = f.value.values;
      n = length xs;
      first = head xs;
      step = elemAt xs 1 - first;
      isRepetition =
        n >= 3 && step >= 2 && xs == genList (i: first + i * step) n && elemAt xs (n - 1) + step > spec.max;
    in
    if f.value.full then
      "*"
    else if isRepetition then
      "${pad2 first}/${toString step}"
    else
      renderList pad2 xs;

  # systemd numbers weekdays Monday first and rejects ranges that wrap past Sunday, so render
  # in that order: cron 0 (Sunday) -> 6.
  weekdayNames = [ "Mon" "Tue" "Wed" "Thu" "Fri" "Sat" "Sun" ];
  renderWeekdays =
    xs: renderList (elemAt weekdayNames) (uniqueSorted (map (d: if d == 0 then 6 else d - 1) xs));

  daysInMonth = [ 31 29 31 30 31 30 31 31 30 31 30 31 ];

  macros = {
    "@yearly" = "0 0 1 1 *";
    "@annually" = "0 0 1 1 *";
    "@monthly" = "0 0 1 * *";
    "@weekly" = "0 0 * * 0";
    "@daily" = "0 0 * * *";
    "@midnight" = "0 0 * * *";
    "@hourly" = "0 * * * *";
  };

  convert5 =
    fail: parts:
    let
      fs = genList (i: parseField (elemAt fieldSpecs i) (elemAt parts i)) 5;
      firstError = foldl' (e: f: if e == null then f.error else e) null fs;
      minute = elemAt fs 0;
      hour = elemAt fs 1;
      dom = elemAt fs 2;
      month = elemAt fs 3;
      dow = elemAt fs 4;
      # cron's day rule: OR when both day fields are restricted (neither starts with `*`).
      orRule = !dom.value.star && !dow.value.star;
      everyDay = orRule && (dom.value.full || dow.value.full);
      possibleDay = any (m: any (d: d <= elemAt daysInMonth (m - 1)) dom.value.values) month.value.values;
      dowPart = if everyDay || dow.value.full then "" else renderWeekdays dow.value.values + " ";
      domPart = if everyDay then "*" else renderNumeric (elemAt fieldSpecs 2) dom;
    in
    if firstError != null then
      fail firstError
    else if orRule && !everyDay then
      fail "restricts both day-of-month and day-of-week; cron runs when either matches but OnCalendar only when both do: use `*` in one of them (or split it into two schedules)"
    else if !everyDay && !possibleDay then
      fail "never fires: no month in its month field has any of its days of the month"
    else
      ok "${dowPart}*-${renderNumeric (elemAt fieldSpecs 3) month}-${domPart} ${renderNumeric (elemAt fieldSpecs 1) hour}:${renderNumeric (elemAt fieldSpecs 0) minute}:00";

  convert =
    option: expr:
    let
      fail = reason: err "${option}: cron expression ${toJSON expr} ${reason}";
      trimmed = filter (s: isString s && s != "") (split "[ \t]+" expr);
      text = concatStringsSep " " trimmed;
    in
    if !isString expr then
      err "${option}: expected a cron expression string, got ${builtins.typeOf expr}"
    else if text == "@reboot" then
      fail "has no calendar equivalent (it runs once at boot)"
    else if macros ? ${text} then
      convert5 fail (filter isString (split " " macros.${text}))
    else if substring 0 1 text == "@" then
      fail "is not a known macro (${concatStringsSep ", " (attrNames macros)}, @reboot)"
    else if length trimmed != 5 then
      fail "has ${toString (length trimmed)} fields; expected 5 (minute hour day-of-month month day-of-week)"
    else
      convert5 fail trimmed;

  convertOrThrow =
    option: expr:
    let
      r = convert option expr;
    in
    if r.error == null then r.value else throw r.error;
in
{
  inherit convert convertOrThrow;
  # For tests and other libraries.
  inherit parseField fieldSpecs;
}
