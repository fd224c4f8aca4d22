# What cannot become a drill guest is reported, not thrown: no drill section, a repository
# outside the guest, a unit that is neither a service nor a timer, an unknown guest kind,
# invalid contracts (the collector's own messages).
let
  t = import ../../../nix/nixos/scenario.nix;
  base = {
    services.app = { enable = true; dataDir = "/var/lib/app"; backupPaths = [ "/var/lib/app" ]; systemdUnits = [ "app.socket" ]; };
    backup = { enable = true; restic.repositories.r = { url = "sftp:u@h:/r"; passwordFile = "/pw"; primary = true; }; };
    drill = { guest = "fedora"; steps = [ ]; };
  };
in
{
  everything = (t.toGuest { name = "bad"; scenario = base; }).errors;
  noDrill = (t.toGuest { name = "eval-only"; scenario = removeAttrs base [ "drill" ] // { backup = base.backup // { restic.repositories.r = { url = "/r"; passwordFile = "/pw"; primary = true; }; }; services = { }; }; }).errors;
  invalidContract = (t.toGuest { name = "c"; scenario = base // { services.app = { enable = true; dataDir = "relative"; }; }; }).errors;
  noBackup = (t.toGuest { name = "nb"; scenario = { services = { }; drill = { steps = [ ]; }; }; }).errors;
  nameOfFile = t.scenarioName ../../../scenarios/drills/drill-single-service.json;
}
