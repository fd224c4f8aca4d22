#!/usr/bin/env bash
# Host test of the rendered restore-drill script: it runs `nixdrill drill` with the configured
# arguments and posts start / success / failure to ntfy and healthchecks endpoints (fake ones
# on loopback here, recording every request); a failing endpoint never changes the result, and
# the healthchecks URL is read from its file at run time, never rendered into the script.
source "$(dirname "$0")/lib.sh"
make_scratch

# A fake HTTP endpoint on 127.0.0.1 that records "METHOD PATH BODY" per request.
port_file="$SCRATCH/port" log="$SCRATCH/requests"
python3 - "$port_file" "$log" <<'PY' &
import http.server, sys
port_file, log = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path} {self.headers.get('Title', '')}|{body}\n")
        self.send_response(200); self.end_headers()
    do_GET = do_POST
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(port_file, "w").write(str(s.server_port))
s.timeout = 0.5
import time
end = time.time() + 120
while time.time() < end:
    s.handle_request()
PY
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$SCRATCH"' EXIT
for _ in $(seq 600); do [[ -s $port_file ]] && break; sleep 0.1; done
port=$(cat "$port_file")
secret_url="http://127.0.0.1:$port/hc/secret-uuid-1234"
printf '%s\n' "$secret_url" >"$SCRATCH/hc-url"

result=$(render_json render-drill.nix args "{
  name = \"nas\";
  cfg = { repository = \"/srv/restic\"; passwordFile = \"/run/keys/pw\"; sample = 5; readDataSubset = \"10%\";
          metricsDir = \"$SCRATCH/metrics\";
          notify = { ntfyTopic = \"http://127.0.0.1:$port/nixdrill\"; healthchecksUrlFile = \"$SCRATCH/hc-url\"; }; };
}")
write_files "$result" .files "$SCRATCH/files"
script="$SCRATCH/files/nixdrill-drill-nas.sh"
tap_check "the script passes shellcheck" shellcheck -s bash "$script"
tap_check "the healthchecks URL is not in the script" bash -c "! grep -q secret-uuid '$script'"
tap_check "the timer converts the schedule" grep -qx 'OnCalendar=weekly' "$SCRATCH/files/nixdrill-drill-nas.timer"

# A fake nixdrill on PATH: records its arguments, exits with $FAKE_RC.
mkdir -p "$SCRATCH/bin"
cat >"$SCRATCH/bin/nixdrill" <<SH
#!/usr/bin/env bash
printf '%s\n' "\$@" >"$SCRATCH/args"
exit \${FAKE_RC:-0}
SH
chmod +x "$SCRATCH/bin/nixdrill"

PATH="$SCRATCH/bin:$PATH" FAKE_RC=0 bash "$script" >"$SCRATCH/out" 2>&1
tap_eq "a passing drill exits 0" 0 "$?"
tap_check "nixdrill got the drill's arguments" bash -c "tr '\n' ' ' <'$SCRATCH/args' | grep -q -- '--name nas --repository /srv/restic --password-file /run/keys/pw --metrics-dir $SCRATCH/metrics'"
tap_check "sample and read-data-subset passed" bash -c "tr '\n' ' ' <'$SCRATCH/args' | grep -q -- '--sample 5 --read-data-subset 10%'"
tap_check "ntfy got start" grep -q '^POST /nixdrill nixdrill drill nas: start|restore drill nas started' "$log"
tap_check "ntfy got success" grep -q '^POST /nixdrill nixdrill drill nas: success|restore drill nas passed' "$log"
tap_check "healthchecks got /start" grep -q '^POST /hc/secret-uuid-1234/start ' "$log"
tap_check "healthchecks got the success ping" grep -q '^POST /hc/secret-uuid-1234 |restore drill nas passed' "$log"

: >"$log"
PATH="$SCRATCH/bin:$PATH" FAKE_RC=1 bash "$script" >"$SCRATCH/out" 2>&1
tap_eq "a failing drill exits with its status" 1 "$?"
tap_check "ntfy got failure" grep -q '^POST /nixdrill nixdrill drill nas: failure|restore drill nas failed (exit 1)' "$log"
tap_check "healthchecks got /fail" grep -q '^POST /hc/secret-uuid-1234/fail ' "$log"

# An endpoint that cannot be reached changes nothing about the result.
printf 'http://127.0.0.1:1/unreachable\n' >"$SCRATCH/hc-url"
PATH="$SCRATCH/bin:$PATH" FAKE_RC=0 bash "$script" >"$SCRATCH/out" 2>&1
tap_eq "an unreachable endpoint does not fail a passing drill" 0 "$?"
tap_check "and it is reported" grep -q 'healthchecks ping failed' "$SCRATCH/out"

# Bad configuration is refused with the option path.
bad=$(render_json render-drill.nix args '{ name = "x"; cfg = { repository = "/r"; passwordFile = "pw"; sample = 0; readDataSubset = "lots"; notify.ntfyTopic = "topic"; schedule = "at noon"; }; }')
jq -r '.errors[]' <<<"$bad" >"$SCRATCH/errors"
for msg in 'services.nixdrill.drills.x.passwordFile' 'services.nixdrill.drills.x.sample' 'services.nixdrill.drills.x.readDataSubset' 'services.nixdrill.drills.x.notify.ntfyTopic' 'services.nixdrill.drills.x.schedule'; do
    tap_check "refused: $msg" grep -qF "$msg:" "$SCRATCH/errors"
done

tap_done
