# The NixOS drill guest of one scenario, and the descriptor the harness boots it from
# (`nixdrill run --guest nixos --guest-image DIR`, GuestKind::NixOS):
#
#   DIR/nixdrill-guest.json  { format; kind = "nixos"; scenario; system; kernelVersion;
#                              kernel; initrd; rootDisk = { path; format; }; cmdline; agentChannel; }
#   DIR/kernel, DIR/initrd   the system's own (symlinks into the store)
#   DIR/root.qcow2           an ext4 root file system holding the system's closure (label
#                            nixdrill-root), 4 GiB virtual (sparse); the guest grows its file
#                            system to it at boot (autoResize). The harness boots each drill on
#                            its own qcow2 overlay of it, as it does the Debian guest's disk.
#
# The system: the scenario's contracts and backup settings fed to nixdrill's collector and
# backup modules (so the jobs are the real restic-backups-<job> units those modules generate),
# the QEMU guest agent, restic and the tools the drill steps run, no network, no Nix daemon.
# What nix/nixos/scenario.nix adds (probes, markers, directories) is drill instrumentation only.
#
# Needs nixpkgs (not evaluated on the Debian CI machines; the translation in scenario.nix is
# tested there). Arguments:
#   nixpkgs       the nixpkgs flake (or source tree with lib.nixosSystem semantics)
#   system        e.g. "x86_64-linux"
#   nixdrillModules  the modules to import (the flake passes its nixosModules)
#   scenarioFile  the scenario JSON
#   name          the scenario name (default: the file's base name without .json)
#   extraModules  more NixOS modules (e.g. a different kernel)
{
  nixpkgs,
  system,
  nixdrillModules,
  scenarioFile,
  name ? (import ./scenario.nix).scenarioName scenarioFile,
  extraModules ? [ ],
  diskSize ? "4G",
}:
let
  translation = import ./scenario.nix;
  guest = translation.toGuestOrThrow {
    inherit name;
    scenario = builtins.fromJSON (builtins.readFile scenarioFile);
  };

  agentChannel = "org.qemu.guest_agent.0";
  rootLabel = "nixdrill-root";

  guestModule =
    {
      config,
      lib,
      pkgs,
      modulesPath,
      ...
    }:
    {
      imports = [
        "${modulesPath}/profiles/qemu-guest.nix"
        "${modulesPath}/profiles/minimal.nix"
      ];

      config = lib.mkMerge [
        guest.config
        {
          system.stateVersion = lib.trivial.release;

          # Booted directly (kernel + initrd + init= from the descriptor): no boot loader.
          boot.loader.grub.enable = false;
          boot.initrd.availableKernelModules = [
            "virtio_pci"
            "virtio_blk"
            "virtio_console"
            "ext4"
          ];
          boot.kernelParams = [
            "console=ttyS0"
            # A failed boot ends the domain (the harness reports it with the console) instead
            # of waiting at stage 1's rescue prompt.
            "panic=-1"
            "boot.panic_on_fail"
            # As the Debian guest: TCG boots faster without these.
            "cryptomgr.notests"
            "init_on_alloc=0"
          ];
          fileSystems."/" = {
            device = "/dev/disk/by-label/${rootLabel}";
            fsType = "ext4";
            autoResize = true;
          };

          services.qemuGuest.enable = true;
          environment.systemPackages = with pkgs; [
            restic
            bash
            coreutils
            findutils
            gnugrep
            gnused
            gawk
            gnutar
            diffutils
            util-linux
            e2fsprogs
            procps
          ];

          # Drills have no network (as the Debian guest); repositories are local.
          networking.useDHCP = false;
          networking.firewall.enable = false;
          nix.enable = false;
          documentation.enable = false;

          systemd.services = lib.mkMerge [
            # guest-exec runs commands in qemu-ga's environment: give it the system's tools.
            { qemu-guest-agent.path = [ "/run/current-system/sw" ]; }
            guest.probeServices
            # The drill's window of restic: around the module's ExecStart (backup, then forget
            # and prune), so the window it checks the units against is never too short.
            (lib.mapAttrs (_: m: {
              serviceConfig.ExecStart = lib.mkMerge [
                (lib.mkBefore [ "${pkgs.coreutils}/bin/echo ${lib.escapeShellArg m.starting}" ])
                (lib.mkAfter [ "${pkgs.coreutils}/bin/echo ${lib.escapeShellArg m.finished}" ])
              ];
            }) guest.markers)
          ];
          systemd.timers = guest.probeTimers;
          systemd.tmpfiles.rules = map (d: "d ${d} 0755 root root -") guest.directories;
        }
      ];
    };

  nixos = nixpkgs.lib.nixosSystem {
    inherit system;
    modules = nixdrillModules ++ [ guestModule ] ++ extraModules;
  };
  inherit (nixos) config pkgs;
  toplevel = config.system.build.toplevel;

  rootImage = pkgs.callPackage "${nixpkgs}/nixos/lib/make-ext4-fs.nix" {
    storePaths = [ toplevel ];
    volumeLabel = rootLabel;
  };

  descriptor = {
    format = "nixdrill-guest/1";
    kind = "nixos";
    scenario = guest.name;
    system = "${toplevel}";
    kernelVersion = config.boot.kernelPackages.kernel.modDirVersion;
    kernel = "kernel";
    initrd = "initrd";
    rootDisk = {
      path = "root.qcow2";
      format = "qcow2";
    };
    cmdline = "init=${toplevel}/init ${toString config.boot.kernelParams}";
    inherit agentChannel;
    memoryMiB = guest.memoryMiB;
    vcpus = guest.vcpus;
  };

  image =
    pkgs.runCommand "nixdrill-guest-${guest.name}"
      {
        nativeBuildInputs = [ pkgs.qemu_kvm ];
        passAsFile = [ "descriptor" ];
        descriptor = builtins.toJSON descriptor;
      }
      ''
        mkdir -p $out
        ln -s ${toplevel}/kernel $out/kernel
        ln -s ${toplevel}/initrd $out/initrd
        # make-ext4-fs builds a file system snug to the closure; the sparse qcow2 gives the
        # guest room, and autoResize grows the file system to it at boot.
        # (make-ext4-fs's result is the image itself; look inside should a version make it a directory.)
        root=${rootImage}
        if [ -d "$root" ]; then root=$(find "$root" -name '*.img' -print -quit); fi
        qemu-img convert -f raw -O qcow2 "$root" $out/root.qcow2
        qemu-img resize -q $out/root.qcow2 ${diskSize}
        cp $descriptorPath $out/nixdrill-guest.json
      '';
in
{
  inherit
    nixos
    toplevel
    rootImage
    image
    descriptor
    guest
    ;
}
