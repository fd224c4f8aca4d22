# monitoring.prometheus: one .prom file per job in metricsDir, and the metrics hook's rendered
# settings (its header lines): job, repository name, URL without credentials, hostname,
# metricsDir, runtime directory. No hook at all when monitoring is off.
with import ./common.nix;
let
  render =
    prometheus: hostName:
    backup.renderBackups {
      services.app = service "/var/lib/app" [ "/etc/app" ];
      config = merge baseConfig {
        restic.repositories.nas.url = "rest:https://u:p4ss@nas.lan:8000/app";
        restic.jobs.etc.paths = [ "/etc" ];
        monitoring.prometheus = prometheus;
      };
      inherit hostName;
    };
  on = render {
    enable = true;
    metricsDir = "/srv/metrics";
  } "forge";
  defaultDir = render { enable = true; } null;
  off = render { enable = false; } "forge";
  lines = s: builtins.filter (l: builtins.isString l && builtins.match "NIXDRILL_[A-Z_]+=('.*'|[0-9]+|\\(.*\\))" l != null) (builtins.split "\n" s);
in
{
  metricsFiles = on.metricsFiles;
  defaultDir = defaultDir.metricsFiles;
  hookSettings = lines on.jobs.service-app.metricsHook;
  hookEndsWithCall = builtins.match ".*\nnixdrill_metrics \"\\$@\"\n" on.jobs.service-app.metricsHook != null;
  hookNullHostname = builtins.filter (l: builtins.match "NIXDRILL_HOSTNAME=.*" l != null) (lines defaultDir.jobs.etc.metricsHook);
  off = {
    inherit (off) metricsFiles;
    hook = off.jobs.service-app.metricsHook;
    runScriptMetrics = builtins.filter (l: builtins.match "NIXDRILL_METRICS=.*" l != null) (lines off.files."run-service-app.sh");
    unitHasMetrics = builtins.match ".*metrics.*" off.files."restic-backups-service-app.service" != null;
  };
}
