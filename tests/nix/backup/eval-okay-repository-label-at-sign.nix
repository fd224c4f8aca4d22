# A password may contain "@": the label keeps nothing of the credentials (restic, like Go's
# url.Parse, ends them at the last "@" before the path).
let
  inherit ((import ../../../nix/lib).backup) sanitizeRepositoryUrl;
in
map sanitizeRepositoryUrl [
  "rest:https://user:p@ss@host:8000/x/"
  "s3:https://key:se@cret@s3.example.com/bucket/a@b"
  "sftp:me:p@w@host:/srv/r@po"
  "rest:https://host:8000/"
  "/var/lib/repo"
]
