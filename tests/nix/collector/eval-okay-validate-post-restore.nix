# postRestore validation: a string or null; not with backup.postgres (its own restore script)
# nor backup.useSnapshots; every problem in one list, with option paths.
let
  lib = import ../../../nix/lib;
in
lib.validate {
  notString.postRestore = [ "mariadb <dump.sql" ];
  withPostgres = {
    postRestore = "psql <dump.sql";
    backup.postgres.databases = [ "app" ];
  };
  withSnapshots = {
    postRestore = "true";
    backup = {
      useSnapshots = true;
      zfsDataset = "tank/app";
    };
  };
  fine.postRestore = "mariadb </var/backup/shop/shop.sql";
  none.postRestore = null;
}
