# One service on the only (primary) repository, every setting at its default: the complete
# job spec (minus the hook texts).
with import ./common.nix;
let
  r = backup.renderBackups {
    services.grafana = service "/var/lib/grafana" [ "/etc/grafana" ];
    config = baseConfig;
  };
in
{
  inherit (r) ok errors jobOrder metricsFiles;
  files = builtins.attrNames r.files;
  job = brief r.jobs.service-grafana;
}
