# nixdrill ZFS snapshot coordination (builtins only): `backup.useSnapshots` + `backup.zfsDataset`
# of a service contract rendered into the job's prepare and cleanup steps.
#
# Policy (docs/backup-module.md, "ZFS snapshots"): stop the units, run preBackup, take
# `<dataset>@nixdrill-<job>-<UTC time>`, start the units again, then let restic read the
# snapshot (`<mountpoint>/.zfs/snapshot/<name>/<path relative to the mountpoint>` for each
# declared path); the cleanup destroys the snapshot whatever happened.
#
# Between the steps (separate processes under systemd) the snapshot's name and the mapped
# paths live in the job's runtime directory: `zfs-snapshot` and `paths` (one per line).
let
  inherit (builtins) match toJSON;
  shell = import ./scripts/shell.nix;
  q = shell.quote;

  # ZFS dataset names: pool/child/..., no snapshot (@) or bookmark (#) part.
  isDataset = s: builtins.isString s && match "[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9_.:-]+)*" s != null;

  # opt = "qgroget.serviceModules.<name>.backup"; the collector checks the types and that a
  # dataset is named when useSnapshots is set.
  check =
    opt: b:
    if (b.useSnapshots or false) == true && builtins.isString (b.zfsDataset or null) && !isDataset b.zfsDataset then
      [ "${opt}.zfsDataset: ${toJSON b.zfsDataset} is not a ZFS dataset name (pool/child, without @ or #)" ]
    else
      [ ];

  # Prepare lines (bash, errexit on; nixdrill_runtime_dir set; after preBackup, before the
  # units are started again by `startUnits`).
  prepareLines =
    {
      job,
      dataset,
      paths,
      extraPaths,
      startUnits,
    }:
    let
      prefix = "${dataset}@nixdrill-${job}-";
    in
    [
      "# ZFS: snapshot ${dataset}, start the units again, back up the snapshot's paths."
      "nixdrill_zfs_dataset=${q dataset}"
      "nixdrill_zfs_mountpoint=$(zfs get -H -o value mountpoint \"$nixdrill_zfs_dataset\")"
      "case $nixdrill_zfs_mountpoint in"
      "/*) ;;"
      "*) echo \"nixdrill[${job}]: dataset $nixdrill_zfs_dataset has mountpoint '$nixdrill_zfs_mountpoint', not a directory\" >&2; exit 1 ;;"
      "esac"
      "nixdrill_zfs_paths=()"
      "nixdrill_live_paths=${shell.array paths}"
      "for nixdrill_path in \"\${nixdrill_live_paths[@]}\"; do"
      "  case $nixdrill_path in"
      "  \"$nixdrill_zfs_mountpoint\") nixdrill_zfs_rel= ;;"
      "  \"\${nixdrill_zfs_mountpoint%/}\"/*) nixdrill_zfs_rel=/\${nixdrill_path#\"\${nixdrill_zfs_mountpoint%/}\"/} ;;"
      "  *) echo \"nixdrill[${job}]: $nixdrill_path is not inside $nixdrill_zfs_dataset (mounted at $nixdrill_zfs_mountpoint)\" >&2; exit 1 ;;"
      "  esac"
      "  nixdrill_zfs_paths+=(\"$nixdrill_zfs_rel\")"
      "done"
      # A crashed run (killed before its cleanup) leaves its snapshot behind; every snapshot
      # of this dataset named after this job is ours, so it goes before the new one is taken.
      "zfs list -H -o name -t snapshot -d 1 \"$nixdrill_zfs_dataset\" | while IFS= read -r nixdrill_old; do"
      "  case $nixdrill_old in"
      "  ${q prefix}*) echo \"nixdrill[${job}]: destroying stale snapshot $nixdrill_old\" >&2; zfs destroy \"$nixdrill_old\" ;;"
      "  esac"
      "done"
      "nixdrill_zfs_snapshot=nixdrill-${job}-$(date -u +%Y%m%dT%H%M%SZ)"
      # Recorded before it exists: a failure between here and the end still gets it destroyed.
      "printf '%s\\n' \"$nixdrill_zfs_dataset@$nixdrill_zfs_snapshot\" >\"$nixdrill_runtime_dir/zfs-snapshot\""
      "zfs snapshot \"$nixdrill_zfs_dataset@$nixdrill_zfs_snapshot\""
      "echo \"nixdrill[${job}]: took snapshot $nixdrill_zfs_dataset@$nixdrill_zfs_snapshot\" >&2"
      ": >\"$nixdrill_runtime_dir/paths\""
      "for nixdrill_zfs_rel in \"\${nixdrill_zfs_paths[@]}\"; do"
      "  printf '%s\\n' \"\${nixdrill_zfs_mountpoint%/}/.zfs/snapshot/$nixdrill_zfs_snapshot$nixdrill_zfs_rel\" >>\"$nixdrill_runtime_dir/paths\""
      "done"
    ]
    # Not on the dataset (the PostgreSQL staging dir): backed up where they are.
    ++ map (p: "printf '%s\\n' ${q p} >>\"$nixdrill_runtime_dir/paths\"") extraPaths
    ++ startUnits;

  # Cleanup lines (errexit off; nixdrill_rc collects failures).
  cleanupLines = job: [
    "nixdrill_runtime_dir=\${RUNTIME_DIRECTORY:-/run/restic-backups-${job}}"
    "if [ -s \"$nixdrill_runtime_dir/zfs-snapshot\" ]; then"
    "  nixdrill_zfs_snapshot=$(cat \"$nixdrill_runtime_dir/zfs-snapshot\")"
    # Not taken at all (prepare failed before `zfs snapshot`): nothing to destroy.
    "  if zfs list -H -o name -t snapshot \"$nixdrill_zfs_snapshot\" >/dev/null 2>&1; then"
    "    if zfs destroy \"$nixdrill_zfs_snapshot\"; then"
    "      echo \"nixdrill[${job}]: destroyed snapshot $nixdrill_zfs_snapshot\" >&2"
    "    else"
    "      nixdrill_rc=$?"
    "      echo \"nixdrill[${job}]: cannot destroy snapshot $nixdrill_zfs_snapshot (status $nixdrill_rc)\" >&2"
    "    fi"
    "  fi"
    "  rm -f \"$nixdrill_runtime_dir/zfs-snapshot\" \"$nixdrill_runtime_dir/paths\""
    "fi"
  ];
in
{
  inherit check prepareLines cleanupLines isDataset;
}
