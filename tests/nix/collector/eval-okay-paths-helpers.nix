# The path helpers exported for other libraries.
let
  inherit (import ../../../nix/lib) paths;
in
{
  normalise = map paths.normalisePath [
    "/"
    "//"
    "/."
    "/./"
    "/var/lib/x/"
    "/var//lib///x"
    "/var/./lib/."
    "/a/.b/..c"
    "/a/../b"
    "rel/./x/"
    "./"
  ];
  isNested = map (t: paths.isNested (builtins.elemAt t 0) (builtins.elemAt t 1)) [
    [ "/var/lib/ab" "/var/lib/a" ]
    [ "/var/lib/a/b" "/var/lib/a" ]
    [ "/var/lib/a" "/var/lib/a" ]
    [ "/var/lib/a/" "/var/lib/a" ]
    [ "/var//lib/a/b" "/var/lib/a/" ]
    [ "/x" "/" ]
    [ "/" "/" ]
    [ "/" "/x" ]
  ];
  ancestors = map paths.ancestors [
    "/"
    "/a"
    "/a/b/c/"
  ];
  hasDotDot = map paths.hasDotDot [
    "/a/.."
    "../a"
    "/a/../b"
    ".."
    "/a/..b"
    "/a/b.."
    "/..."
  ];
  uniqueStrings = paths.uniqueStrings [
    "b"
    "a"
    "b"
    "c"
    "a"
  ];
}
