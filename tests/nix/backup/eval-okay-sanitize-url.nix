# Repository URLs as they may appear in labels and logs: userinfo removed, nothing else.
with import ./common.nix;
map backup.sanitizeRepositoryUrl [
  "/mnt/nas/restic"
  "sftp:backup@nas.example:/srv/restic"
  "sftp:nas.example:/srv/restic"
  "sftp://backup@nas.example:2222//srv/restic"
  "rest:https://forge:hunter2@backup.example.org:8000/forge/"
  "rest:http://backup.example.org:8000/"
  "s3:https://AKIA:secret@s3.example.com/bucket/forge"
  "s3:s3.amazonaws.com/bucket"
  "b2:bucket-name:/forge"
  "rclone:remote:path/with@at"
  "azure:container:/path"
]
