# mkBackupDirectories: one tmpfiles `d` rule per destination with owner and mode; a disabled
# backup may have no destinations (the seed calls it unconditionally).
with import ./common.nix;
{
  example = container.mkBackupDirectories {
    inherit backupConfig;
    user = "myapp";
    group = "media";
  };
  mode = container.mkBackupDirectories {
    inherit backupConfig;
    user = "root";
    group = "root";
    mode = "0700";
  };
  disabledEmpty = container.mkBackupDirectories {
    backupConfig = {
      enable = false;
      paths = [ ];
    };
    user = "myapp";
    group = "myapp";
  };
}
