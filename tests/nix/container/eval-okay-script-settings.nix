# Everything the script is told, for the seed's example: service, data, destinations,
# owner, retention; defaults (tar.gz, keep 7, no age limit) when backupConfig leaves them out;
# `path` passed through for the NixOS module.
with import ./common.nix;
{
  example = settings (container.mkBackupService args).script;
  defaults = settings (container.mkBackupService (args // {
    backupConfig = { paths = [ "/var/backups/myapp" ]; };
  })).script;
  withPath = (container.mkBackupService (args // { path = [ "/nix/store/fake-gnutar" ]; })).path;
  noPathAttr = (container.mkBackupService args) ? path;
}
