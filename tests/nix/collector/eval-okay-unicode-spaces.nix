# Unicode and spaces in paths are ordinary characters, for validation, nesting and dedup.
let
  lib = import ../../../nix/lib;
in
lib.collect {
  photos = {
    enable = true;
    dataDir = "/srv/Фото";
    backupPaths = [
      "/srv/Фото/2024 летом/"
      "/home/user/My Documents"
    ];
    priority = 10;
  };
  docs = {
    enable = true;
    backupPaths = [
      "/home/user/My Documents/Rapport été.odt"
      "/home/user/My Documents2"
      "/srv/日本語 フォルダ"
    ];
  };
}
