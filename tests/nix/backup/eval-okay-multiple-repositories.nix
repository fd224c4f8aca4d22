# Three repositories: registrations without backup.repository go to the primary, the others
# where they ask; a hand-written job names its own. Credentials stay in `repository` (restic
# needs them) but never reach repositoryUrlLabel (metrics, logs).
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      postgres = service "/var/lib/postgresql" [ "/var/backup/pg" ];
      nextcloud = service "/var/lib/nextcloud" [ "/var/lib/nextcloud/data" ] // {
        backup.repository = "offsite";
      };
      gitea = service "/var/lib/gitea" [ "/srv/git" ] // {
        backup.repository = "b2";
      };
    };
    config = merge baseConfig {
      restic.repositories = {
        inherit nas;
        offsite = {
          url = "rest:https://forge:hunter2@backup.example.org:8000/forge/";
          passwordFile = "/run/secrets/restic-offsite";
          environmentFile = "/run/secrets/restic-offsite-env";
        };
        b2 = {
          url = "b2:bucket-name:/forge";
          passwordFile = "/run/secrets/restic-b2";
          environmentFile = "/run/secrets/restic-b2-env";
          primary = false;
        };
      };
      restic.jobs.homes = {
        paths = [ "/home" ];
        repository = "offsite";
      };
    };
  };
in
{
  inherit (r) errors jobOrder;
  jobs = pick [
    "repositoryName"
    "repository"
    "repositoryUrlLabel"
    "passwordFile"
    "environmentFile"
  ] r.jobs;
}
