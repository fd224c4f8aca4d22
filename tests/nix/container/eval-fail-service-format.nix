# An archive format the script cannot write.
with import ./common.nix;
container.mkBackupService (args // { backupConfig = backupConfig // { format = "rar"; }; })
