# Paths, ports, secrets, timing and process records shared by every part of scripts/openstack-dev.

STATE_DIR=${CLOUDGATE_OPENSTACK_DIR:-/var/tmp/cloudgate-openstack}
CACHE_DIR=${CLOUDGATE_OPENSTACK_CACHE:-/var/cache/cloudgate/openstack-venv}
PORT_BASE=${CLOUDGATE_OPENSTACK_PORT_BASE:-28700}
PYTHON=${CLOUDGATE_OPENSTACK_PYTHON:-python3}
ETC=$STATE_DIR/etc
DATA=$STATE_DIR/data
LOGS=$STATE_DIR/logs
RUN=$STATE_DIR/run

# Every listener, as an offset from the port base; all bind 127.0.0.1 only. Below the ephemeral
# range, and away from the usual ports (5000, 5672, 3306, 4369) other test services may hold.
declare -A PORT_OFFSETS=(
  [keystone]=0 [glance]=1 [placement]=2 [nova]=3 [neutron]=4 [cinder]=5
  [rabbitmq]=6 [rabbitmq-dist]=7 [epmd]=8 [mariadb]=9
)
port() { echo $((PORT_BASE + PORT_OFFSETS[$1])); }

# Every process `up` starts: the OpenStack services, then what they stand on (`down` stops them in that order).
OPENSTACK_PROCESSES=(cinder-scheduler cinder-volume cinder-api nova-compute nova-scheduler nova-conductor nova-api
                     neutron-api glance placement keystone)
INFRA_PROCESSES=(rabbitmq epmd mariadb)
SERVICES=("${OPENSTACK_PROCESSES[@]}" "${INFRA_PROCESSES[@]}")

now() { echo "${EPOCHREALTIME/./}"; }  # microseconds
since() { local us=$(( $(now) - $1 )); printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000)); }
T0=$(now)
note() { echo "[$(since "$T0")s] $*" | tee -a "$LOGS/timings.txt" 2>/dev/null || echo "[$(since "$T0")s] $*"; }
fail() { echo "openstack-dev: $*" >&2; exit 1; }

# Polls `cmd` every 0.2 s until it succeeds; fails after `timeout` seconds, or at once (showing
# its log) if the process we started as `name` dies meanwhile.
wait_process() {  # name timeout cmd...
  local name=$1 deadline=$(( $(now) + $2 * 1000000 )); shift 2
  until "$@" >/dev/null 2>&1; do
    if ! recorded_pid "$name" > /dev/null; then
      tail -n 20 "$LOGS/$name.out" >&2
      fail "$name exited, see $LOGS/$name.out"
    fi
    [ "$(now)" -lt "$deadline" ] || fail "timed out waiting for $name"
    sleep 0.2
  done
}

http_answers() {  # url: any answer below 500 (uwsgi answers 500 until its app has loaded)
  [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1") =~ ^[1-4][0-9][0-9]$ ]]
}

port_listens() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# -- secrets: made once per state dir, kept across bring-ups ---------------------------------
load_secrets() {
  local file=$STATE_DIR/secrets.env name
  if [ ! -f "$file" ]; then
    ( umask 077
      for name in ADMIN_PASSWORD SERVICE_PASSWORD DB_PASSWORD ALICE_PASSWORD BOB_PASSWORD; do
        echo "$name=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
      done > "$file" )
  fi
  set -a; . "$file"; set +a
}

# -- process records: run/<name>.pid holds "pid starttime", so a reused pid is never taken for ours --
# The start time of a live process (a zombie, dead but not yet reaped, has none).
starttime() { [ -r "/proc/$1/stat" ] && awk '{sub(/.*\) /, "")} $1 != "Z" {print $20}' "/proc/$1/stat"; }

start_process() {  # name cmd...: runs in its own process group (setsid execs in place), recorded
  local name=$1; shift
  setsid "$@" > "$LOGS/$name.out" 2>&1 < /dev/null 8>&- &
  local pid=$!
  echo "$pid $(starttime "$pid")" > "$RUN/$name.pid"
}

recorded_pid() {  # name: prints the pid if the recorded process is still the one we started
  local file=$RUN/$1.pid pid started
  [ -f "$file" ] || return 1
  read -r pid started < "$file"
  [ -n "$pid" ] && [ -n "$started" ] && [ "$(starttime "$pid")" = "$started" ] && echo "$pid"
}

# What is left of a group whose leader died: its members that run from this state dir.
leftovers() {  # pgid
  local pid
  for pid in $(pgrep -g "$1"); do
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE_DIR" && echo "$pid"
  done
}

stop_process() {  # name grace-seconds: SIGTERM to its process group, SIGKILL after the grace period
  local name=$1 grace=$2 pid started deadline
  if [ -f "$RUN/$name.pid" ] && ! recorded_pid "$name" > /dev/null; then
    read -r pid started < "$RUN/$name.pid"
    for pid in $(leftovers "$pid"); do kill -KILL "$pid" 2>/dev/null && echo "killed a leftover of $name (pid $pid)"; done
  elif pid=$(recorded_pid "$name"); then
    kill -TERM -- "-$pid" 2>/dev/null
    deadline=$(( $(now) + grace * 1000000 ))
    while kill -0 -- "-$pid" 2>/dev/null && [ "$(now)" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 -- "-$pid" 2>/dev/null; then
      echo "  $name (pgid $pid) still running after ${grace}s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null
      sleep 0.5
    fi
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$RUN/$name.pid"
}

any_recorded() { compgen -G "$RUN/*.pid" > /dev/null; }
