# Readiness checks: a contract's healthCheck (defaults filled in) reaches its registration's job
# and health-<job>.sh; a registration that took another service's paths carries that service's
# check too (its units are its units); jobs without checks have healthChecks = [ ] and no file.
with import ./common.nix;
let
  r = backup.renderBackups {
    services = {
      db = service "/var/lib/db" [ "/var/lib/db" ] // {
        priority = 10;
        healthCheck = {
          command = "test -s /var/lib/db/rows";
        };
      };
      # /var/lib/db/app is inside db's path: db takes it, and app's check with it.
      app = service "/srv/app" [ "/var/lib/db/app" ] // {
        healthCheck = {
          command = "curl -fsS http://127.0.0.1:8080/status";
          expect = "ok";
          timeout = 5;
        };
      };
      web = service "/srv/web" [ "/srv/web" ] // {
        healthCheck = {
          command = "printf '%s\\n' \"it's $HOME\"";
          expect = "it's";
        };
      };
      plain = service "/var/lib/plain" [ "/etc/plain" ];
    };
    config = baseConfig;
  };
in
{
  jobs = builtins.mapAttrs (_: j: { inherit (j) healthChecks healthFile; }) r.jobs;
  files = builtins.filter (f: builtins.match "health-.*" f != null) (builtins.attrNames r.files);
  webHeader = builtins.head (
    builtins.filter (l: builtins.match "NIXDRILL_HEALTH_.*" l != null) (
      builtins.filter builtins.isString (builtins.split "\n" r.files."health-service-web.sh")
    )
  );
  dbEnds = builtins.match ".*\nnixdrill_health_main \"\\$@\"\n" r.files."health-service-db.sh" != null;
}
