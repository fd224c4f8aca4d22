# nixdrill's flake: the pure library, the NixOS modules, the package, one check per eval
# scenario, and a development shell. NixOS guests for the VM drills are not here yet (the
# harness's Guest interface reserves them). It is not evaluated on the Debian CI machines,
# which have no nixpkgs; everything it wraps is tested there without it.
{
  description = "nixdrill: prove that NixOS backups really restore";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # Pure functions (builtins only): usable without NixOS or nixpkgs.
      lib = import ./nix/lib;

      nixosModules = {
        collector = ./nix/modules/collector.nix;
        backup = ./nix/modules/backup.nix;
        container-backup = ./nix/modules/container-backup.nix;
        drill =
          { pkgs, lib, ... }:
          {
            imports = [ ./nix/modules/drill.nix ];
            services.nixdrill.package = lib.mkDefault self.packages.${pkgs.system}.default;
          };
        default = {
          imports = [
            self.nixosModules.collector
            self.nixosModules.backup
            self.nixosModules.container-backup
            self.nixosModules.drill
          ];
        };
      };

      # One derivation per eval scenario, so remote builders / Hydra spread a large scenario set
      # across machines; each writes its JUnit report to $out. The evaluation needs no store
      # (nix/lib is builtins only), hence the private state directory and the dummy store.
      checks = forAllSystems (
        pkgs:
        let
          nixdrill = self.packages.${pkgs.system}.default;
          scenarioFiles = builtins.filter (f: pkgs.lib.hasSuffix ".json" f) (
            pkgs.lib.filesystem.listFilesRecursive ./scenarios
          );
          isDrill = f: (builtins.fromJSON (builtins.readFile f)) ? drill;
          checkName = f: "eval-" + pkgs.lib.removeSuffix ".json" (baseNameOf (toString f));
        in
        builtins.listToAttrs (
          map (f: {
            name = checkName f;
            value = pkgs.runCommand (checkName f) { nativeBuildInputs = [ pkgs.nix ]; } ''
              export NIX_STATE_DIR=$TMPDIR/nix NIX_CONFIG="store = dummy://"
              mkdir -p $out
              ${nixdrill}/bin/nixdrill eval --nix-dir ${./nix} ${f} --junit $out/junit.xml --json $out/run.json
            '';
          }) (builtins.filter (f: !(isDrill f)) scenarioFiles)
        )
      );

      packages = forAllSystems (pkgs: {
        default = pkgs.stdenv.mkDerivation {
          pname = "nixdrill";
          version = "0.1.0";
          src = self;
          nativeBuildInputs = with pkgs; [
            meson
            ninja
            pkg-config
            makeWrapper
          ];
          buildInputs = with pkgs; [
            boost
            nlohmann_json
            pugixml
            libvirt
          ];
          # Unit tests need no VM; the vm suite runs in the checks that have the kvm feature.
          doCheck = false;
          postInstall = ''
            wrapProgram $out/bin/nixdrill \
              --prefix PATH : ${pkgs.lib.makeBinPath [ pkgs.nix pkgs.restic pkgs.prometheus ]} \
              --set-default NIXDRILL_NIX_DIR $out/share/nixdrill/nix
          '';
        };
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.system}.default}/bin/nixdrill";
        };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.system}.default ];
          packages = with pkgs; [
            clang-tools
            restic
            prometheus
            jq
            libxml2
          ];
        };
      });
    };
}
