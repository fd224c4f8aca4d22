# Shell rendering helpers shared by the backup and container libraries (builtins only).
#
# Every value that ends up in a rendered script goes through `quote`, so configuration can
# never inject shell syntax; hook bodies (preBackup, ...) are the only text inserted raw,
# because running them is their purpose.
let
  inherit (builtins) concatStringsSep replaceStrings;
in
rec {
  # POSIX single-quoting: 'it'\''s' — safe for any string, including newlines.
  quote = s: "'" + replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  # A bash array literal: ( 'a' 'b' ).
  array = xs: "(" + concatStringsSep " " (map quote xs) + ")";

  # NAME='value' lines for a script header, in the order given ([ { name; value; } ]).
  # Lists become bash arrays, booleans 1/0, null the empty string.
  assignments =
    vars:
    concatStringsSep "\n" (
      map (
        v:
        let
          x = v.value;
        in
        "${v.name}="
        + (
          if builtins.isList x then
            array x
          else if builtins.isBool x then
            (if x then "1" else "0")
          else if x == null then
            "''"
          else
            quote (toString x)
        )
      ) vars
    )
    + "\n";

  # A template file's text without its leading `#!` and `# shellcheck` lines: the templates
  # are standalone files so they can be linted, but are embedded after a rendered header.
  body =
    file:
    let
      lines = builtins.filter builtins.isString (builtins.split "\n" (builtins.readFile file));
      isPreamble = l: builtins.match "#!.*|# shellcheck .*" l != null;
      dropPreamble = ls: if ls != [ ] && isPreamble (builtins.head ls) then dropPreamble (builtins.tail ls) else ls;
    in
    concatStringsSep "\n" (dropPreamble lines);
}
