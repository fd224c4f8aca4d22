# Scheduled read-only restore drills (`nixdrill drill`), pure Nix (builtins only).
#
#   validate name cfg -> [ "services.nixdrill.drills.<name>.<option>: problem" ... ]   (never throws)
#   render name cfg   -> { ok; errors; onCalendar; script; files = { "nixdrill-drill-<name>.sh";
#                          "nixdrill-drill-<name>.service"; "nixdrill-drill-<name>.timer"; }; }
#
# cfg = { repository; passwordFile; environmentFile ? null; schedule ? "weekly"; sample ? 20 (files, or "10%");
#         fullRestore ? false; readDataSubset ? null; metricsDir ? <node_exporter textfile dir>;
#         notify ? { ntfyTopic ? null; healthchecksUrlFile ? null; }; }
# The script posts start / success / failure to ntfy and healthchecks when configured; a
# notification that fails never changes the drill's result. Secrets stay in files: the password
# file and the healthchecks URL file are read at run time, never rendered into the script.
let
  inherit (builtins)
    attrNames
    concatMap
    concatStringsSep
    filter
    isBool
    isInt
    isString
    toJSON
    ;
  schedule = import ./schedule.nix;
  shell = import ./scripts/shell.nix;

  defaults = {
    environmentFile = null;
    schedule = "weekly";
    sample = 20;
    fullRestore = false;
    readDataSubset = null;
    metricsDir = "/var/lib/node_exporter/textfile_collector";
    notify = {
      ntfyTopic = null;
      healthchecksUrlFile = null;
    };
  };
  known = [
    "repository"
    "passwordFile"
  ]
  ++ attrNames defaults;

  optional = c: xs: if c then xs else [ ];
  isAbs = p: isString p && builtins.substring 0 1 p == "/";
  safeName = n: builtins.match "[A-Za-z0-9][A-Za-z0-9_.-]*" n != null;

  # sample: a number of files (1 to 1000000) or a share of the snapshot's files, "P%" with
  # 0 < P <= 100 and at most two decimals (the same rule as `nixdrill drill --sample`).
  digitsValue = s: builtins.foldl' (acc: i: acc * 10 + builtins.fromJSON (builtins.substring i 1 s)) 0 (builtins.genList (i: i) (builtins.stringLength s));
  percentHundredths =
    s:
    let
      m = if isString s then builtins.match "([0-9]{1,3})(\\.([0-9]{1,2}))?%" s else null;
      frac = if m == null || builtins.elemAt m 2 == null then "00" else builtins.substring 0 2 ((builtins.elemAt m 2) + "0");
    in
    if m == null then null else digitsValue (builtins.head m) * 100 + digitsValue frac;
  sampleProblem =
    v:
    if isInt v then
      (if v < 1 || v > 1000000 then "expected from 1 to 1000000 files" else null)
    else if isString v then
      (
        let
          h = percentHundredths v;
        in
        if h == null then
          "expected a number of files or a percentage such as \"10%\" (at most two decimals)"
        else if h == 0 || h > 10000 then
          "a percentage must be above 0% and at most 100%"
        else
          null
      )
    else
      "expected a number of files or a percentage such as \"10%\"";

  validate =
    name: cfg:
    let
      opt = "services.nixdrill.drills.${name}";
      c = defaults // cfg;
      notify = defaults.notify // (cfg.notify or { });
    in
    optional (!safeName name) [ "${opt}: the drill name must match [A-Za-z0-9][A-Za-z0-9_.-]*" ]
    ++ map (k: "${opt}.${k}: unknown option") (filter (k: !(builtins.elem k known)) (attrNames cfg))
    ++ optional (!(cfg ? repository) || !isString cfg.repository || cfg.repository == "") [
      "${opt}.repository: a restic repository URL is required"
    ]
    ++ optional (!(cfg ? passwordFile) || !isAbs cfg.passwordFile) [
      "${opt}.passwordFile: an absolute path to the password file is required (a password is never put in the store)"
    ]
    ++ optional (c.environmentFile != null && !isAbs c.environmentFile) [
      "${opt}.environmentFile: expected an absolute path or null, got ${toJSON c.environmentFile}"
    ]
    ++ optional (sampleProblem c.sample != null) [ "${opt}.sample: ${sampleProblem c.sample}, got ${toJSON c.sample}" ]
    ++ optional (!isBool c.fullRestore) [ "${opt}.fullRestore: expected a boolean" ]
    ++ optional (c.readDataSubset != null && builtins.match "[0-9]+(\\.[0-9]+)?%|[0-9]+/[0-9]+|[0-9]+[KMGT]?" c.readDataSubset == null) [
      "${opt}.readDataSubset: ${toJSON c.readDataSubset} is not n/t, x% or a size"
    ]
    ++ optional (!isAbs c.metricsDir) [ "${opt}.metricsDir: expected an absolute path" ]
    ++ optional (notify.ntfyTopic != null && builtins.match "https?://.+" notify.ntfyTopic == null) [
      "${opt}.notify.ntfyTopic: expected the topic's http(s) URL, got ${toJSON notify.ntfyTopic}"
    ]
    ++ optional (notify.healthchecksUrlFile != null && !isAbs notify.healthchecksUrlFile) [
      "${opt}.notify.healthchecksUrlFile: expected an absolute path (the ping URL is a secret)"
    ]
    ++ (
      let
        s = schedule.convert "${opt}.schedule" c.schedule;
      in
      optional (s.error != null) [ s.error ]
    );

  scriptText =
    name: c: notify:
    "#!/usr/bin/env bash\n"
    + "# Read-only restore drill ${name}, rendered by nixdrill (nix/lib/drill.nix).\n"
    + "set -uo pipefail\n"
    + shell.assignments [
      {
        name = "NIXDRILL_DRILL";
        value = name;
      }
      {
        name = "NIXDRILL_NTFY";
        value = if notify.ntfyTopic == null then "" else notify.ntfyTopic;
      }
      {
        name = "NIXDRILL_HC_FILE";
        value = if notify.healthchecksUrlFile == null then "" else notify.healthchecksUrlFile;
      }
      {
        name = "NIXDRILL_ARGS";
        value =
          [
            "drill"
            "--name"
            name
            "--repository"
            c.repository
            "--password-file"
            c.passwordFile
            "--metrics-dir"
            c.metricsDir
            "--json"
            "/var/lib/nixdrill/drill-${name}.json"
          ]
          ++ optional (c.environmentFile != null) [
            "--environment-file"
            c.environmentFile
          ]
          ++ (
            if c.fullRestore then
              [ "--full" ]
            else
              [
                "--sample"
                (toString c.sample)
              ]
          )
          ++ optional (c.readDataSubset != null) [
            "--read-data-subset"
            c.readDataSubset
          ];
      }
    ]
    + ''

      # Notifications never decide the drill's result: each is tried a few times, then given up.
      nixdrill_notify() {
          local event=$1 message=$2
          if [[ -n $NIXDRILL_NTFY ]]; then
              curl -fsS -m 10 --retry 2 -H "Title: nixdrill drill $NIXDRILL_DRILL: $event" \
                  -H "Tags: $event" -d "$message" "$NIXDRILL_NTFY" >/dev/null ||
                  echo "nixdrill-drill[$NIXDRILL_DRILL]: ntfy notification failed" >&2
          fi
          if [[ -n $NIXDRILL_HC_FILE ]]; then
              local url suffix=""
              url=$(head -n 1 "$NIXDRILL_HC_FILE") || { echo "nixdrill-drill[$NIXDRILL_DRILL]: cannot read the healthchecks URL file" >&2; return 0; }
              case $event in start) suffix=/start ;; failure) suffix=/fail ;; esac
              curl -fsS -m 10 --retry 2 --data-raw "$message" "$url$suffix" >/dev/null ||
                  echo "nixdrill-drill[$NIXDRILL_DRILL]: healthchecks ping failed" >&2
          fi
          return 0
      }

      mkdir -p /var/lib/nixdrill
      nixdrill_notify start "restore drill $NIXDRILL_DRILL started"
      nixdrill "''${NIXDRILL_ARGS[@]}"
      rc=$?
      if ((rc == 0)); then
          nixdrill_notify success "restore drill $NIXDRILL_DRILL passed"
      else
          nixdrill_notify failure "restore drill $NIXDRILL_DRILL failed (exit $rc)"
      fi
      exit "$rc"
    '';

  render =
    name: cfg:
    let
      errors = validate name cfg;
      c = defaults // cfg;
      notify = defaults.notify // (cfg.notify or { });
      unit = "nixdrill-drill-${name}";
      onCalendar = schedule.convertOrThrow "services.nixdrill.drills.${name}.schedule" c.schedule;
    in
    if errors != [ ] then
      {
        ok = false;
        inherit errors;
        onCalendar = null;
        script = null;
        files = { };
      }
    else
      rec {
        ok = true;
        errors = [ ];
        inherit onCalendar;
        script = scriptText name c notify;
        files = {
          "${unit}.sh" = script;
          "${unit}.service" = concatStringsSep "\n" [
            "[Unit]"
            "Description=nixdrill read-only restore drill ${name}"
            "Wants=network-online.target"
            "After=network-online.target"
            ""
            "[Service]"
            "Type=oneshot"
            "ExecStart=${unit}.sh"
            "Nice=10"
            "IOSchedulingClass=idle"
            ""
          ];
          "${unit}.timer" = concatStringsSep "\n" [
            "[Unit]"
            "Description=Timer of the nixdrill restore drill ${name}"
            ""
            "[Timer]"
            "OnCalendar=${onCalendar}"
            "Persistent=true"
            "RandomizedDelaySec=30m"
            ""
            "[Install]"
            "WantedBy=timers.target"
            ""
          ];
        };
      };
in
{
  inherit validate render defaults percentHundredths;
}
