# A hand-written job naming a repository that is not defined.
with import ./common.nix;
backup.renderBackupsOrThrow {
  config = merge baseConfig {
    restic.jobs.photos = {
      paths = [ "/srv/photos" ];
      repository = "glacier";
    };
  };
}
