# nixdrill's flake. This first version exposes the pure library, the NixOS modules, the package
# and a development shell; per-scenario checks and NixOS guests for VM drills come with their
# own issue (flake.nix and the NixOS path). It is not evaluated on the Debian CI machines,
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
        default = {
          imports = [ self.nixosModules.collector ];
        };
      };

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
            wrapProgram $out/bin/nixdrill --prefix PATH : ${pkgs.lib.makeBinPath [ pkgs.nix ]}
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
