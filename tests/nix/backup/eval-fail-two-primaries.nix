# Two repositories claim to be primary.
with import ./common.nix;
backup.renderBackupsOrThrow {
  services.app = service "/var/lib/app" [ "/etc/app" ];
  config = merge baseConfig {
    restic.repositories.usb = {
      url = "/mnt/usb";
      passwordFile = "/run/secrets/usb";
      primary = true;
    };
  };
}
