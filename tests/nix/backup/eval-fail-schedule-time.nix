# A time of day out of range.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = baseConfig // { schedule = "25:00"; };
}
