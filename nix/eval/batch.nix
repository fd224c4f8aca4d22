# Evaluates many scenario inputs in one Nix process, for `nixdrill eval`.
#
# inputFile: JSON list of { id; services; backup ? {...}; containers ? { <name> = {...}; }; }.
# Result: a list, in input order, of
#   { id; status = "ok"; value = { collector = ...; backup = ...; }; }
#   { id; status = "invalid"; errors = [ "option.path: message" ... ]; }   validation said no
#   { id; status = "threw"; }        evaluation threw; the harness re-evaluates this one alone
#                                    with strict = true to get Nix's own message (tryEval drops it)
# strict = true: no tryEval, so the first error aborts with Nix's message on stderr.
{
  inputFile,
  strict ? false,
}:
let
  nixdrill = import ../lib;
  requests = builtins.fromJSON (builtins.readFile inputFile);

  force = v: builtins.deepSeq v v;
  attempt = v: if strict then { success = true; value = force v; } else builtins.tryEval (force v);

  evalOne =
    req:
    let
      hasBackup = req ? backup;
      containers = req.containers or { };
      containerArgs = name: containers.${name} // { inherit name; };
      containerErrors = builtins.concatMap (n: nixdrill.container.validateDeclared (containerArgs n)) (
        builtins.attrNames containers
      );
      collectorErrors = nixdrill.validate req.services;
      # The backup module validates the contracts too: ask it only once they are valid.
      errors =
        (
          if collectorErrors != [ ] || !hasBackup then
            collectorErrors
          else
            nixdrill.backup.validate { inherit (req) services; config = req.backup; }
        )
        ++ containerErrors;
      output =
        { collector = nixdrill.collect req.services; }
        // (
          if hasBackup then
            { backup = nixdrill.backup.renderBackups { inherit (req) services; config = req.backup; }; }
          else
            { }
        )
        // (
          if req ? containers then
            { containers = builtins.mapAttrs (n: _: nixdrill.container.declare (containerArgs n)) containers; }
          else
            { }
        );
      checked = attempt errors;
      result = attempt output;
    in
    if !checked.success then
      { inherit (req) id; status = "threw"; }
    else if checked.value != [ ] then
      { inherit (req) id; status = "invalid"; errors = checked.value; }
    else if result.success then
      { inherit (req) id; status = "ok"; value = result.value; }
    else
      { inherit (req) id; status = "threw"; };
in
map evalOne requests
