# Every problem of backup.postgres at once, each with its option path.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.db = service "/var/lib/db" [ ] // {
    backup.postgres = {
      databases = [ "ok" "-rf" "a/b" ];
      user = "Root";
      dumpDir = "relative";
      pgbackrest = {
        enable = true;
        type = "snapshot";
        colour = "blue";
      };
      port = 5432;
    };
  };
  config = baseConfig;
}
