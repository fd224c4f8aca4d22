# render: the self-contained files for a Debian guest (script found by name on PATH) and the
# NixOS `script` being the same text without the #! line; nothing when invalid.
with import ./common.nix;
let
  r = container.render (args // { backupConfig = backupConfig // { schedule = "45 23 * * fri"; }; });
  bad = container.render (args // { backupConfig = backupConfig // { format = "7z"; }; });
in
{
  inherit (r) ok errors onCalendar;
  files = builtins.removeAttrs r.files [ "myapp-backup.sh" ];
  scriptIsServiceScript = r.files."myapp-backup.sh" == "#!/usr/bin/env bash\n" + (container.mkBackupService args).script;
  endsWithMain = builtins.match ".*\nnixdrill_main\nexit \\$\\?\n" r.script != null;
  bad = {
    inherit (bad) ok errors files script;
  };
}
