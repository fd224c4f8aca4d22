# nixdrill's flake: the pure library, the NixOS modules, the package, NixOS drill guests, one
# check per scenario (eval half everywhere, VM half with NixOS guests where the builder has
# KVM), and a development shell. It is not evaluated on the Debian CI machines, which have no
# nixpkgs; everything it wraps that can run without nixpkgs is tested there (nix/lib,
# nix/nixos/scenario.nix, the harness), and the file is parsed there.
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

      # Drill guests boot as x86_64 domains (harness/vm/domain_xml.cpp).
      guestSystems = [ "x86_64-linux" ];
      forGuestSystems = f: nixpkgs.lib.genAttrs guestSystems (system: f nixpkgs.legacyPackages.${system});

      scenarioFiles = builtins.filter (f: nixpkgs.lib.hasSuffix ".json" f) (
        nixpkgs.lib.filesystem.listFilesRecursive ./scenarios
      );
      isDrill = f: (builtins.fromJSON (builtins.readFile f)) ? drill;
      # Drills of podman containers run on the Debian guest only (docs/drill-format.md,
      # Containers): their NixOS guest would need virtualisation.oci-containers.
      isNixosDrill = f: isDrill f && !((builtins.fromJSON (builtins.readFile f)).drill ? podman);
      drillScenarios = builtins.filter isNixosDrill scenarioFiles;
      scenarioName = (import ./nix/nixos/scenario.nix).scenarioName;

      # The NixOS guest of one drill scenario: { nixos; toplevel; image; descriptor; guest; }.
      # `image` is the directory `nixdrill run --guest nixos --guest-image` boots.
      mkDrillGuest =
        {
          system,
          scenarioFile,
          extraModules ? [ ],
        }:
        import ./nix/nixos/guest.nix {
          inherit
            nixpkgs
            system
            scenarioFile
            extraModules
            ;
          nixdrillModules = [
            self.nixosModules.collector
            self.nixosModules.backup
            # Impermanence's option, which the collector sets; a guest has no impermanence.
            (
              { lib, ... }:
              {
                options.environment.persistence = lib.mkOption {
                  type = lib.types.attrsOf (
                    lib.types.submodule {
                      options.directories = lib.mkOption {
                        type = lib.types.listOf lib.types.str;
                        default = [ ];
                      };
                    }
                  );
                  default = { };
                  description = "Stand-in for impermanence's option in drill guests (unused there).";
                };
              }
            )
          ];
        };
    in
    {
      # Pure functions (builtins only): usable without NixOS or nixpkgs; plus the guest builder.
      lib = (import ./nix/lib) // {
        # scenario -> drill guest configuration as plain data (nix/nixos/scenario.nix)
        guest = import ./nix/nixos/scenario.nix;
        inherit mkDrillGuest;
      };

      nixosModules = {
        collector = ./nix/modules/collector.nix;
        backup = ./nix/modules/backup.nix;
        container-backup = ./nix/modules/container-backup.nix;
        drill =
          { pkgs, lib, ... }:
          {
            imports = [ ./nix/modules/drill.nix ];
            services.nixdrill.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.default;
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

      # One derivation per scenario, so remote builders / Hydra spread a large scenario set across
      # machines and a changed scenario rebuilds only its own check; each writes its JUnit
      # report to $out.
      #   eval-<scenario>:  `nixdrill eval` (no store needed: nix/lib is builtins only, hence the
      #                     private state directory and the dummy store);
      #   drill-<scenario>: `nixdrill run` with the scenario's NixOS guest (x86_64-linux, needs
      #                     the builder's kvm feature). There is no system libvirtd in the build
      #                     sandbox: the check talks to a libvirt session daemon of the build
      #                     user (qemu:///session, auto-started by the client, state under
      #                     $TMPDIR), which runs QEMU as that user with /dev/kvm from the sandbox.
      checks = forAllSystems (
        pkgs:
        let
          system = pkgs.stdenv.hostPlatform.system;
          nixdrill = self.packages.${system}.default;
          evalCheck =
            f:
            pkgs.runCommand "eval-${scenarioName f}" { nativeBuildInputs = [ pkgs.nix ]; } ''
              export NIX_STATE_DIR=$TMPDIR/nix NIX_CONFIG="store = dummy://"
              mkdir -p $out
              ${nixdrill}/bin/nixdrill eval --nix-dir ${./nix} ${f} --junit $out/junit.xml --json $out/run.json
            '';
          drillCheck =
            f:
            let
              guest = self.packages.${system}."guest-${scenarioName f}";
            in
            pkgs.runCommand "drill-${scenarioName f}"
              {
                nativeBuildInputs = [
                  pkgs.nix
                  pkgs.libvirt
                  pkgs.qemu_kvm
                ];
                requiredSystemFeatures = [ "kvm" ];
              }
              ''
                export HOME=$TMPDIR XDG_RUNTIME_DIR=$TMPDIR/run XDG_CONFIG_HOME=$TMPDIR/config XDG_CACHE_HOME=$TMPDIR/cache
                export NIX_STATE_DIR=$TMPDIR/nix NIX_CONFIG="store = dummy://"
                export NIXDRILL_RUN_ROOT=$TMPDIR/runs
                mkdir -p $XDG_RUNTIME_DIR $XDG_CONFIG_HOME/libvirt $out
                # No virtlogd in the sandbox: QEMU's output goes to files.
                echo 'stdio_handler = "file"' > $XDG_CONFIG_HOME/libvirt/qemu.conf
                ${nixdrill}/bin/nixdrill run --nix-dir ${./nix} --uri qemu:///session \
                  --guest nixos --guest-image ${guest} ${f} \
                  --junit $out/junit.xml --json $out/run.json --prometheus $out/drill.prom
              '';
        in
        builtins.listToAttrs (
          map (f: {
            name = "eval-${scenarioName f}";
            value = evalCheck f;
          }) (builtins.filter (f: !(isNixosDrill f)) scenarioFiles)
          ++ nixpkgs.lib.optionals (builtins.elem system guestSystems) (
            map (f: {
              name = "drill-${scenarioName f}";
              value = drillCheck f;
            }) drillScenarios
          )
        )
      );

      # packages.<system>.default: nixdrill; packages.x86_64-linux.guest-<scenario>: the NixOS
      # drill guest of every drill scenario (a directory with nixdrill-guest.json).
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
            cli11
            nlohmann_json
            pugixml
            libvirt
            libsodium
          ];
          # Unit tests need no VM; the vm suite runs in the checks that have the kvm feature.
          doCheck = false;
          postInstall = ''
            wrapProgram $out/bin/nixdrill \
              --prefix PATH : ${pkgs.lib.makeBinPath [ pkgs.nix pkgs.restic pkgs.prometheus ]} \
              --set-default NIXDRILL_NIX_DIR $out/share/nixdrill/nix
          '';
        };
      }
      // nixpkgs.lib.optionalAttrs (builtins.elem pkgs.stdenv.hostPlatform.system guestSystems) (
        builtins.listToAttrs (
          map (f: {
            name = "guest-${scenarioName f}";
            value =
              (mkDrillGuest {
                system = pkgs.stdenv.hostPlatform.system;
                scenarioFile = f;
              }).image;
          }) drillScenarios
        )
      ));

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
