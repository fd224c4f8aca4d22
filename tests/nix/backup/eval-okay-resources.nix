# resources -> systemd MemoryMax (upper-case suffix, as systemd wants) and CPUQuota (percent
# of one CPU); unset resources set nothing.
with import ./common.nix;
let
  job = resources: {
    paths = [ "/srv" ];
    inherit resources;
  };
  r = backup.renderBackups {
    config = merge baseConfig {
      restic.jobs = {
        small = job {
          memory = "128m";
          cpus = "0.25";
        };
        big = job {
          memory = "2g";
          cpus = "2.0";
        };
        numbers = job {
          memory = 1073741824;
          cpus = 1.5;
        };
        upper = job {
          memory = "512M";
          cpus = 3;
        };
        percent = job {
          memory = "50%";
          cpus = "0.05";
        };
        memoryOnly = job { memory = "1G"; };
        none = job { };
      };
    };
  };
in
builtins.mapAttrs (_: j: j.serviceConfig) r.jobs
