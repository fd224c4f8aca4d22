# services.nixdrill.drills.<name>.sample as files or as a percentage (nix/lib/drill.nix): what
# reaches `nixdrill drill --sample`, and the option-path messages of bad values.
let
  drill = import ../../../nix/lib/drill.nix;
  base = {
    repository = "/srv/restic";
    passwordFile = "/run/keys/pw";
  };
  sampleArgs =
    sample:
    let
      r = drill.render "nas" (base // { inherit sample; });
      m = builtins.match ".*'--sample' '([^']*)'.*" r.script;
    in
    if r.ok then (if m == null then null else builtins.head m) else r.errors;
in
{
  good = map (s: {
    sample = s;
    arg = sampleArgs s;
  }) [ 1 20 1000000 "10%" "0.5%" "0.01%" "12.25%" "100%" "007%" ];
  defaultSample = sampleArgs drill.defaults.sample;
  fullRestoreHasNoSample = builtins.match ".*'--sample'.*" (drill.render "nas" (base // { fullRestore = true; sample = "10%"; })).script == null;
  bad = map (s: {
    sample = s;
    errors = drill.validate "nas" (base // { sample = s; });
  }) [ 0 (-1) 1000001 "0%" "0.00%" "100.01%" "150%" "10" "abc" "%" "5.%" "1.234%" "1000%" " 10%" 2.5 null ];
}
