# toGuestOrThrow (what the flake's guest builder uses) throws every problem at once.
(import ../../../nix/nixos/scenario.nix).toGuestOrThrow {
  name = "bad";
  scenario = {
    services.app = { enable = true; dataDir = "/var/lib/app"; backupPaths = [ "/var/lib/app" ]; systemdUnits = [ "app.socket" ]; };
    backup = { enable = true; restic.repositories.r = { url = "s3:host/bucket"; passwordFile = "/pw"; primary = true; }; };
  };
}
