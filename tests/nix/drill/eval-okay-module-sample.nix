# nix/modules/drill.nix called with the fake nixpkgs lib (../backup/fake-nixos.nix): the sample
# option's type, default and example, a percentage reaching the service's script, and a bad
# value becoming an assertion that names services.nixdrill.drills.<name>.sample.
let
  fake = import ../backup/fake-nixos.nix;
  lib = fake.lib // {
    concatMap = builtins.concatMap;
    # Keeps the element type, so the drill submodule's options can be looked at.
    types = fake.lib.types // {
      attrsOf = t: {
        name = "attrsOf ${t.name}";
        elem = t;
      };
    };
  };
  # Keeps the script text, so the rendered command line can be inspected.
  pkgs = fake.pkgs // {
    writeShellScript = name: text: "/nix/store/fake-${name}\n${text}";
  };
  module =
    drills:
    import ../../../nix/modules/drill.nix {
      inherit lib pkgs;
      config.services.nixdrill = {
        package = "/nix/store/nixdrill";
        inherit drills;
      };
    };
  base = {
    repository = "/srv/restic";
    passwordFile = "/run/keys/pw";
    environmentFile = null;
    schedule = "weekly";
    fullRestore = false;
    readDataSubset = null;
    metricsDir = "/var/lib/node_exporter/textfile_collector";
    notify = {
      ntfyTopic = null;
      healthchecksUrlFile = null;
    };
  };
  good = module {
    tenth = base // { sample = "10%"; };
    files = base // { sample = 50; };
  };
  bad = module {
    over = base // { sample = "150%"; };
    words = base // { sample = "some"; };
  };
  option = (module { }).options.services.nixdrill.drills.type.elem.options.sample;
  sampleOf = name: builtins.head (builtins.match ".*'--sample' '([^']*)'.*" good.config.content.systemd.services."nixdrill-drill-${name}".serviceConfig.ExecStart);
in
{
  option = {
    type = option.type.name;
    inherit (option) default example;
    describesPercent = builtins.match ".*P%.*" option.description != null;
  };
  script = {
    tenth = sampleOf "tenth";
    files = sampleOf "files";
  };
  goodAssertions = good.config.content.assertions;
  badAssertions = map (a: a.message) bad.config.content.assertions;
  badHaveNoService = bad.config.content.systemd.services == { };
}
