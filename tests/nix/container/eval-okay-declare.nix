# declare (what modules.containerBackups does with one container, and what `nixdrill eval`
# renders): an enabled backup is render's result; a disabled one renders nothing but its
# settings are still checked, destinations excepted (mkBackupService would still refuse it).
with import ./common.nix;
let
  disabled = backupConfig // {
    enable = false;
    paths = [ ];
  };
  summary = r: {
    inherit (r) ok errors packages;
    files = builtins.attrNames r.files;
  };
in
{
  enabledIsRender = container.declare args == container.render args;
  disabledWithoutDestinations = summary (container.declare (args // { backupConfig = disabled; }));
  disabledStillChecked = summary (
    container.declare (
      args
      // {
        user = "my user";
        backupConfig = disabled // {
          schedule = "61 3 * * *";
          format = "rar";
        };
        optionPath = "modules.containerBackups.myapp.backup";
      }
    )
  );
  # The function API is unchanged: building a service needs a destination, enabled or not.
  serviceStillRefused = container.validate (args // { backupConfig = disabled; });
  enabledWithoutDestinations = container.validateDeclared (args // { backupConfig = backupConfig // { paths = [ ]; }; });
}
