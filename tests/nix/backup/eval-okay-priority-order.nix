# Ordering across six jobs: a job runs after every job with a lower priority number
# (databases first), and after the earlier jobs (by name) of its own priority on the same
# repository (restic's prune lock). `acyclic` checks that every edge points to a job earlier
# in jobOrder, which rules out cycles.
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      postgres = service "/var/lib/postgresql" [ "/var/backup/pg" ] // {
        priority = 10;
      };
      redis = service "/var/lib/redis" [ "/var/lib/redis/dump" ] // {
        priority = 50;
      };
      web = service "/var/lib/web" [ "/etc/web" ];
      app = service "/var/lib/app" [ "/etc/app" ];
      worker = service "/var/lib/worker" [ "/etc/worker" ] // {
        backup.repository = "offsite";
      };
    };
    config = merge baseConfig {
      restic.repositories.offsite = {
        url = "sftp:backup@host:/srv/restic";
        passwordFile = "/run/secrets/offsite";
      };
      restic.jobs.etc = {
        paths = [ "/etc/nixos" ];
        priority = 5;
      };
    };
  };
  position = builtins.listToAttrs (
    builtins.genList (i: {
      name = "restic-backups-${builtins.elemAt r.jobOrder i}.service";
      value = i;
    }) (builtins.length r.jobOrder)
  );
in
{
  inherit (r) jobOrder;
  after = builtins.mapAttrs (_: j: j.after) r.jobs;
  priority = builtins.mapAttrs (_: j: j.priority) r.jobs;
  acyclic = builtins.all (
    name: builtins.all (u: position.${u} < position."restic-backups-${name}.service") r.jobs.${name}.after
  ) r.jobOrder;
}
