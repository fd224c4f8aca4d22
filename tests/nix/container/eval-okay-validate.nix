# validate (= what mkBackupService would throw) reports every problem at once, naming the
# option path given by the caller; it never throws.
with import ./common.nix;
{
  valid = container.validate args;
  everythingWrong = container.validate {
    name = "../evil";
    serviceName = "docker myapp";
    dataPaths = [
      "relative"
      "/"
      "/with space"
    ];
    user = "";
    group = "my group";
    backupConfig = {
      enable = "yes";
      paths = [ ];
      schedule = "0 0 1 * 1";
      format = "rar";
      maxRetentionDays = -1;
      retentionSnapshots = 1.5;
      compress = true;
    };
    optionPath = "modules.services.virtualization.myapp.backup";
  };
  noDataPaths = container.validate (args // { dataPaths = [ ]; });
  noDestinations = container.validate (args // { backupConfig = { format = "zip"; }; });
}
