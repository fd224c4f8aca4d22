# nixdrill path helpers: normalisation and nesting of filesystem paths, pure Nix (builtins only).
#
# All helpers work on strings. A path is split on "/" into segments; empty segments (from
# repeated or trailing slashes) and "." segments are dropped, ".." is kept so callers can
# reject it (the collector does). Nesting is decided on segment boundaries, never on raw
# string prefixes: "/var/lib/ab" is not inside "/var/lib/a".
let
  inherit (builtins)
    concatStringsSep
    elem
    elemAt
    filter
    genList
    head
    isString
    length
    listToAttrs
    match
    split
    stringLength
    substring
    ;
in
rec {
  # "/a//b/./c/" -> [ "a" "b" "c" ]. builtins.split interleaves the separators as lists,
  # hence the isString filter.
  segments = p: filter (s: isString s && s != "" && s != ".") (split "/" p);

  isAbsolute = p: substring 0 1 p == "/";

  # Regexes are used on strings up to PATH_MAX only: std::regex backtracks recursively and
  # overflows the stack on strings of a few hundred kilobytes; longer ones are split instead.
  short = p: stringLength p <= 4096;

  # A ".." segment anywhere ("/a/..", "../a", "/a/../b"; not "/a/..b").
  hasDotDot = p: if short p then match "(.*/)?\\.\\.(/.*)?" p != null else elem ".." (segments p);

  # Inverse of `segments` for an absolute path: [ ] -> "/".
  fromSegments = segs: "/" + concatStringsSep "/" segs;

  # Already in normal form: "/", or non-empty segments none of which is ".", no trailing "/".
  # One regex match instead of a split: most paths are written clean.
  isNormalAbsolute = p: p == "/" || (short p && match "(/([^/.][^/]*|\\.[^/]+))+" p != null);

  # "/var//lib/./x/" -> "/var/lib/x"; "/" and "//" -> "/". A relative path stays relative
  # ("a/./b/" -> "a/b", "./" -> "."). ".." segments are kept as they are (no resolution:
  # that would need the filesystem once symlinks exist).
  normalisePath =
    p:
    if isNormalAbsolute p then
      p
    else
      let
        segs = segments p;
      in
      if isAbsolute p then
        fromSegments segs
      else if segs == [ ] then
        "."
      else
        concatStringsSep "/" segs;

  # Strict ancestors of a NORMALISED absolute path, from "/" down to the parent:
  # "/a/b/c" -> [ "/" "/a" "/a/b" ]; "/" -> [ ]. O(depth) regex matches.
  ancestorsOfNormalised =
    p:
    let
      parent = match "(.*)/[^/]*" p;
      h = head parent;
    in
    if !(short p) then
      ancestorsOfSegments (segments p)
    else if p == "/" || parent == null then
      [ ]
    else if h == "" then
      [ "/" ]
    else
      ancestorsOfNormalised h ++ [ h ];

  # The same from segments, without regexes (for very long paths): O(depth^2) list work.
  ancestorsOfSegments = segs: genList (k: fromSegments (genList (elemAt segs) k)) (length segs);

  # Strict ancestors of an absolute path (normalised first).
  ancestors = p: ancestorsOfNormalised (normalisePath p);

  # True when `child` lies strictly below `parent` on segment boundaries. Both are
  # normalised first. Everything except "/" itself is nested in "/".
  isNested =
    child: parent:
    let
      c = normalisePath child;
      q = normalisePath parent;
    in
    c != q && (q == "/" || substring 0 (stringLength q + 1) c == q + "/");

  isNestedOrEqual = child: parent: normalisePath child == normalisePath parent || isNested child parent;

  # Unique strings, first occurrence kept, original order preserved, O(n log n):
  # builtins.genericClosure walks startSet in order and drops items whose key it has seen (a
  # native ordered set); with no successors that is exactly a stable dedup. Measured at 10k
  # services (25,713 paths): 2-3x faster than an index map built with listToAttrs.
  uniqueStrings =
    list:
    map (x: x.key) (
      builtins.genericClosure {
        startSet = map (x: { key = x; }) list;
        operator = _: [ ];
      }
    );
}
