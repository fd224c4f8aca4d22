# backup.postgres without databases and without pgBackRest backs up nothing: refused.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.db = service "/var/lib/db" [ ] // { backup.postgres = { }; };
  config = baseConfig;
}
