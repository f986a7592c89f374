#!/usr/bin/env bash
# Starts GradingPortal on this machine and stops everything it started on Ctrl+C, SIGTERM or a failure to start:
#   PostgreSQL (a local cluster in .local/pg, unless ConnectionStrings__Db is set), build, migrator,
#   Api, Web and WORKERS Workers (logs in .local/logs), then prints the URL and the first admin's credentials.
#   Once they are up, a host that exits is restarted with a growing delay (see "watch" at the end).
#
#   ./run.sh
#   WEB_PORT=8080 API_PORT=8081 PG_PORT=5433 WORKERS=2 ./run.sh
#   ConnectionStrings__Db='Host=db.example;Database=gp;Username=gp;Password=...' ./run.sh
#   Admin__Email=me@example.org Admin__Password='...' ./run.sh     # first admin of an empty database
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$PWD"

WEB_PORT="${WEB_PORT:-5080}"
API_PORT="${API_PORT:-5081}"
PG_PORT="${PG_PORT:-5432}"
WORKERS="${WORKERS:-1}"
HEALTH_TIMEOUT="${HEALTH_TIMEOUT:-120}"
CONFIGURATION="${CONFIGURATION:-Release}"

LOCAL="$ROOT/.local"
LOGS="$LOCAL/logs"
SECRETS="$LOCAL/secrets"
WEB_KEYS="$LOCAL/web-keys"
CREDENTIALS="$LOCAL/admin-credentials.txt"
LOCK="$LOCAL/run.pid"
HOST_PIDS="$LOCAL/hosts.pid"
PG_DIR="$LOCAL/pg"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
DATABASE=gradingportal

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The PostgreSQL server binaries are not always on PATH (Debian keeps them in a versioned folder).
for pgbin in /usr/lib/postgresql/*/bin; do
    [[ -d "$pgbin" ]] && PATH="$PATH:$pgbin"
done
export PATH

say() { printf 'run.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
rel() { printf '%s' "${1#"$ROOT"/}"; }

for value in "$WEB_PORT" "$API_PORT" "$PG_PORT" "$WORKERS" "$HEALTH_TIMEOUT"; do
    [[ "$value" =~ ^[0-9]+$ ]] || die "WEB_PORT, API_PORT, PG_PORT, WORKERS and HEALTH_TIMEOUT must be numbers (got '$value')."
done
for tool in dotnet node npm python3; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (see README.md)."
done

# --- state of this run, undone by cleanup --------------------------------------------------------------------------
PIDS=()          # background hosts (an empty entry: waiting to be restarted)
NAMES=()         # their names (log file names)
CHILD=""         # a long foreground command (the build) running in its own process group
PG_STARTED=0     # 1 when this run started the local cluster
LOCKED=0

pg_owner() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$CHILD" ]] && kill -0 "$CHILD" 2>/dev/null; then
        kill -TERM -- "-$CHILD" 2>/dev/null || true
    fi
    # The hosts, and any background job besides: a signal that lands between starting a host and recording its pid
    # must not leave that host running.
    local running=() pid
    for pid in "${PIDS[@]}" $(jobs -p); do
        [[ -n "$pid" ]] && running+=("$pid")
    done
    if [[ ${#running[@]} -gt 0 ]]; then
        [[ ${#NAMES[@]} -eq 0 ]] || say "stopping ${NAMES[*]}..."
        kill -TERM "${running[@]}" 2>/dev/null || true
        local deadline=$((SECONDS + 15))
        for pid in "${running[@]}"; do
            while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    if [[ -n "$CHILD" ]]; then
        kill -KILL -- "-$CHILD" 2>/dev/null || true
    fi
    if [[ $PG_STARTED -eq 1 ]]; then
        say "stopping PostgreSQL..."
        pg_owner pg_ctl -D "$PG_DATA" stop -m fast -w -t 60 >/dev/null 2>&1 || say "PostgreSQL did not stop cleanly; see $(rel "$PG_LOG")"
    fi
    if [[ $LOCKED -eq 1 ]]; then
        rm -f "$LOCK" "$HOST_PIDS"
    fi
    [[ $status -eq 0 || $status -ge 128 ]] && say "stopped."
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a long command in its own process group and waits for it, so that Ctrl+C or SIGTERM takes effect at once
# (bash defers traps until a foreground command ends) and cleanup can stop the command's whole tree.
run_child() {
    setsid "$@" &
    CHILD=$!
    local status=0
    wait "$CHILD" || status=$?
    CHILD=""
    return "$status"
}

# A port is busy when something listens on it (SO_REUSEADDR: connections in TIME_WAIT do not count).
port_busy() {
    ! python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
PY
}
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
http_ok() {
    if command -v curl >/dev/null; then
        curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
    else
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null
    fi
}

# Secrets the hosts or the local cluster need: generated once, kept in .local/secrets (0600), reused later.
ensure_secret() {
    local file="$SECRETS/$1"
    if [[ ! -s "$file" ]]; then
        (umask 077; head -c 30 /dev/urandom | base64 | tr '+/' '-_' >"$file")
    fi
    cat "$file"
}

# --- .local, one run at a time ---------------------------------------------------------------------------------------
# .local is only traversable by others: as root the cluster in .local/pg belongs to the postgres user.
install -d -m 711 "$LOCAL"
chmod 711 "$LOCAL"
install -d -m 700 "$LOGS" "$SECRETS" "$WEB_KEYS"
if [[ -f "$LOCK" ]] && other="$(cat "$LOCK")" && [[ -n "$other" && -r "/proc/$other/cmdline" ]] \
    && tr '\0' ' ' <"/proc/$other/cmdline" | grep -q 'run\.sh'; then
    die "GradingPortal is already running from this folder (run.sh pid $other). Stop it first."
fi
echo $$ >"$LOCK"
LOCKED=1

# Hosts left running by an earlier run that was killed outright (no trap ran) would hold the ports: stop them.
# A recorded pid counts only while it still runs one of this repository's host assemblies.
if [[ -f "$HOST_PIDS" ]]; then
    while read -r pid dll; do
        if [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$dll"; then
            say "stopping $(basename "$dll" .dll) (pid $pid) left running by an earlier run..."
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done <"$HOST_PIDS"
    rm -f "$HOST_PIDS"
fi

for port_var in API_PORT WEB_PORT; do
    if port_busy "${!port_var}"; then
        die "port ${!port_var} is in use; stop what listens there or choose another: $port_var=<port> ./run.sh"
    fi
done
[[ "$API_PORT" != "$WEB_PORT" ]] || die "API_PORT and WEB_PORT must differ."

# --- secrets the hosts need ------------------------------------------------------------------------------------------
# The Web keeps its cookie data-protection keys in DataProtection__KeysPath (.local/web-keys); the Api keeps its keys
# in PostgreSQL. Nothing else yet. A host secret added later goes here, e.g.
#   export Some__Secret="${Some__Secret:-$(ensure_secret some-secret)}"

# --- PostgreSQL ------------------------------------------------------------------------------------------------------
if [[ -n "${ConnectionStrings__Db:-}" ]]; then
    # Identify the database in the credentials file without keeping its password there.
    IFS=';' read -ra parts <<<"$ConnectionStrings__Db"
    kept=()
    for part in "${parts[@]}"; do
        [[ "${part,,}" =~ ^[[:space:]]*password[[:space:]]*= ]] || kept+=("$part")
    done
    DB_LABEL="$(IFS=';'; echo "${kept[*]}")"
    DB_DESCRIPTION="ConnectionStrings__Db ($DB_LABEL)"
else
    for tool in initdb pg_ctl psql createdb; do
        command -v "$tool" >/dev/null || die "PostgreSQL's '$tool' is not installed; install PostgreSQL or set ConnectionStrings__Db."
    done
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user to own the local cluster (install PostgreSQL's server package)."
        runuser -u postgres -- test -x "$LOCAL" \
            || die "the postgres user cannot reach $LOCAL (a parent folder is private); move the repository or set ConnectionStrings__Db."
    fi

    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        say "creating a local PostgreSQL cluster in $(rel "$PG_DIR")..."
        rm -rf "$PG_DIR" "$SECRETS/pg-password" "$CREDENTIALS"
        if [[ $EUID -eq 0 ]]; then
            install -d -o postgres -g postgres -m 700 "$PG_DIR"
        else
            install -d -m 700 "$PG_DIR"
        fi
        ensure_secret pg-password >/dev/null
        pwfile="$PG_DIR/initdb-password"
        install -m 600 "$SECRETS/pg-password" "$pwfile"
        [[ $EUID -ne 0 ]] || chown postgres:postgres "$pwfile"
        pg_owner initdb -D "$PG_DATA" -U postgres --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
            >"$LOGS/initdb.log" 2>&1 || { rm -f "$pwfile"; cat "$LOGS/initdb.log" >&2; die "initdb failed"; }
        rm -f "$pwfile"
    fi
    [[ -s "$SECRETS/pg-password" ]] \
        || die "$(rel "$SECRETS")/pg-password is missing, so the local cluster cannot be used; delete $(rel "$PG_DIR") to start over."
    PG_PASSWORD="$(cat "$SECRETS/pg-password")"

    # A cluster still running here belongs to an earlier run that was killed (the lock says no run is active).
    if pg_owner pg_ctl -D "$PG_DATA" status >/dev/null 2>&1; then
        say "stopping the local cluster left running by an earlier run..."
        pg_owner pg_ctl -D "$PG_DATA" stop -m fast -w -t 60 >/dev/null
    fi
    if port_busy "$PG_PORT"; then
        busy="$PG_PORT"
        PG_PORT="$(free_port)"
        say "port $busy is in use; the local PostgreSQL cluster uses port $PG_PORT instead."
    fi
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT..."
    PG_STARTED=1
    # TCP on the loopback only; no Unix socket (the repository path may exceed the socket path limit). A busy Worker holds
    # up to about a hundred connections (see docs/grading-pipeline.md), more than PostgreSQL's default of 100 allows for
    # several Workers beside the Api and the Web.
    pg_owner pg_ctl -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300" start >/dev/null \
        || { tail -n 20 "$PG_LOG" >&2 || true; die "PostgreSQL did not start; see $(rel "$PG_LOG")"; }

    export PGPASSWORD="$PG_PASSWORD"
    exists="$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")"
    if [[ "$exists" != 1 ]]; then
        say "creating database $DATABASE..."
        createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres "$DATABASE"
    fi
    unset PGPASSWORD
    export ConnectionStrings__Db="Host=127.0.0.1;Port=$PG_PORT;Database=$DATABASE;Username=postgres;Password=$PG_PASSWORD"
    DB_LABEL="local cluster"
    DB_DESCRIPTION="local cluster in $(rel "$PG_DIR") on 127.0.0.1:$PG_PORT (password in $(rel "$SECRETS")/pg-password)"
fi

# --- build -----------------------------------------------------------------------------------------------------------
# Only the deployables; the Web project builds its npm assets itself. No build servers, so nothing outlives the run.
: >"$LOGS/build.log"
say "building ($CONFIGURATION; log: $(rel "$LOGS")/build.log)..."
declare -A DLL
# The Api is published ReadyToRun (precompiled, ADR 012) and the Worker is not (ADR 013); both run without tiered
# compilation.
for project in migrations/GradingPortal.Migrations src/Api/GradingPortal.Api src/Web/GradingPortal.Web src/Worker/GradingPortal.Worker; do
    name="$(basename "$project")"
    case "$name" in
        GradingPortal.Api)
            build=(publish "$project.csproj" -c "$CONFIGURATION" --use-current-runtime --self-contained false -p:PublishReadyToRun=true
                -o "$LOCAL/publish/$name")
            DLL[$name]="$LOCAL/publish/$name/$name.dll" ;;
        GradingPortal.Worker)
            # A clean folder: files precompiled by an earlier ReadyToRun publish must not stay behind.
            rm -rf "$LOCAL/publish/$name"
            build=(publish "$project.csproj" -c "$CONFIGURATION" --self-contained false -o "$LOCAL/publish/$name")
            DLL[$name]="$LOCAL/publish/$name/$name.dll" ;;
        *)
            build=(build "$project.csproj" -c "$CONFIGURATION")
            DLL[$name]="$ROOT/$(dirname "$project")/bin/$CONFIGURATION/net10.0/$name.dll" ;;
    esac
    run_child dotnet "${build[@]}" --nologo --disable-build-servers >>"$LOGS/build.log" 2>&1 || {
        grep ': error ' "$LOGS/build.log" | sort -u | tail -n 20 >&2 || tail -n 20 "$LOGS/build.log" >&2
        die "the build of $project failed; see $(rel "$LOGS")/build.log"
    }
    [[ -f "${DLL[$name]}" ]] || die "the build did not produce ${DLL[$name]} (target framework changed? update run.sh)"
done

# --- migrate, first admin ------------------------------------------------------------------------------------------
say "migrating..."
migrator_out="$(mktemp "$LOCAL/migrator.XXXXXX")"   # private: it may hold the generated password
migrator_status=0
run_child env -C migrations dotnet "${DLL[GradingPortal.Migrations]}" >"$migrator_out" 2>&1 || migrator_status=$?
first_admin="$(grep -m1 '^FIRST_ADMIN ' "$migrator_out" || true)"
grep -v '^FIRST_ADMIN ' "$migrator_out" >"$LOGS/migrator.log" || true
rm -f "$migrator_out"
# Keep a generated password even when the migrator failed after seeding: it is printed only once.
if [[ -n "$first_admin" ]]; then
    line="${first_admin#FIRST_ADMIN }"
    email="${line#email=}"
    email="${email%% password=*}"
    password="${line#* password=}"
    (umask 077; printf 'database=%s\nemail=%s\npassword=%s\n' "$DB_LABEL" "$email" "$password" >"$CREDENTIALS")
    chmod 600 "$CREDENTIALS"
fi
if [[ $migrator_status -ne 0 ]]; then
    cat "$LOGS/migrator.log" >&2
    die "the migrator failed (exit $migrator_status); see $(rel "$LOGS")/migrator.log"
fi
sed 's/^/  /' "$LOGS/migrator.log" >&2

# --- hosts -------------------------------------------------------------------------------------------------------------
# Each host runs from its project folder (content root = project folder, as with `dotnet run`), in the background,
# with its log in .local/logs. SIGINT is ignored by background jobs of a script: cleanup stops them with SIGTERM.
# Slot i of NAMES, PIDS, STARTED, DELAY and DUE describes one host; PIDS[i] is empty while it waits to be restarted.
API_URL="http://127.0.0.1:$API_PORT"
WEB_URL="http://127.0.0.1:$WEB_PORT"
STARTED=()       # SECONDS when each host was last started
DELAY=()         # its next restart delay in seconds
DUE=()           # SECONDS at which a host that died is started again
RESTARTS=()      # how often it was restarted
RESTART_MAX_DELAY=30
STABLE_AFTER=60  # a host that stayed up this long starts again from the shortest delay when it dies

host_spec() {   # name -> HOST_DIR, HOST_DLL, HOST_ENV (arguments of env)
    case "$1" in
        api) HOST_DIR=src/Api; HOST_DLL="${DLL[GradingPortal.Api]}"; HOST_ENV=("ASPNETCORE_URLS=$API_URL") ;;
        # The Web never opens the database, so it does not get the connection string.
        web) HOST_DIR=src/Web; HOST_DLL="${DLL[GradingPortal.Web]}"
             HOST_ENV=(-u ConnectionStrings__Db "ASPNETCORE_URLS=$WEB_URL" "Api__BaseUrl=$API_URL" "DataProtection__KeysPath=$WEB_KEYS") ;;
        worker-*) HOST_DIR=src/Worker; HOST_DLL="${DLL[GradingPortal.Worker]}"; HOST_ENV=() ;;
        *) die "unknown host $1" ;;
    esac
}
# hosts.pid lists the hosts running now, so that a later run can stop them if this one is killed outright.
write_host_pids() {
    local i tmp="$HOST_PIDS.tmp"
    : >"$tmp"
    for i in "${!PIDS[@]}"; do
        if [[ -n "${PIDS[$i]}" ]]; then
            host_spec "${NAMES[$i]}"
            echo "${PIDS[$i]} $HOST_DLL" >>"$tmp"
        fi
    done
    mv -f "$tmp" "$HOST_PIDS"
}
launch_host() {   # slot; a restarted host appends to its log, so the lines before its death stay
    local i="$1"
    host_spec "${NAMES[$i]}"
    (cd "$HOST_DIR" && exec env "${HOST_ENV[@]}" dotnet "$HOST_DLL") >>"$LOGS/${NAMES[$i]}.log" 2>&1 &
    PIDS[i]=$!
    STARTED[i]=$SECONDS
    write_host_pids
}
start_host() {   # name
    local i=${#NAMES[@]}
    NAMES[i]="$1"
    DELAY[i]=1
    DUE[i]=0
    RESTARTS[i]=0
    : >"$LOGS/$1.log"
    launch_host "$i"
}
# Restarts are printed and kept in .local/logs/run.log, and marked in the host's own log.
note() {
    say "$*"
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOGS/run.log"
}
wait_healthy() {   # name url index-in-PIDS
    local name="$1" url="$2" pid="${PIDS[$3]}" deadline=$((SECONDS + HEALTH_TIMEOUT))
    until http_ok "$url"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOGS/$name.log" >&2 || true
            die "$name exited during start-up; see $(rel "$LOGS")/$name.log"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 30 "$LOGS/$name.log" >&2 || true
            die "$name did not answer $url with 200 within ${HEALTH_TIMEOUT}s; see $(rel "$LOGS")/$name.log"
        fi
        sleep 0.5
    done
}

say "starting Api, Web and $WORKERS Worker(s)..."
printf '%s run.sh (pid %s) starting Api, Web and %s Worker(s)\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$$" "$WORKERS" >>"$LOGS/run.log"
start_host api
start_host web
for ((i = 1; i <= WORKERS; i++)); do
    start_host "worker-$i"
done

wait_healthy api "$API_URL/health" 0
wait_healthy web "$WEB_URL/health" 1
sleep 1
# A host that cannot even start is a configuration problem, not something a restart would cure.
for i in "${!PIDS[@]}"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null || die "${NAMES[$i]} exited during start-up; see $(rel "$LOGS")/${NAMES[$i]}.log"
done

# --- tell -------------------------------------------------------------------------------------------------------------
# A generated password is shown only by the start that created it; later starts say where it is kept.
if [[ -n "${first_admin:-}" ]]; then
    admin="$email / $password   (generated now and shown only this once; kept in $(rel "$CREDENTIALS"))"
elif [[ -n "${Admin__Email:-}" ]]; then
    admin="$Admin__Email (password from Admin__Password; used only when the database had no users)"
elif [[ -f "$CREDENTIALS" ]] && grep -qxF "database=$DB_LABEL" "$CREDENTIALS"; then
    admin="$(sed -n 's/^email=//p' "$CREDENTIALS"), password in $(rel "$CREDENTIALS")"
else
    admin="unknown here: the migrator generated none for this database (it does so only while it has no users)"
fi
cat <<EOF

GradingPortal is running at $WEB_URL
  Api:       $API_URL   (OpenAPI: $API_URL/openapi/v1.json, docs: $API_URL/api/docs)
  Admin:     $admin
  Database:  $DB_DESCRIPTION
  Workers:   $WORKERS
  Logs:      $(rel "$LOGS")/   (a host that exits is restarted; restarts are listed in $(rel "$LOGS")/run.log)
Press Ctrl+C to stop.

EOF

# --- watch ------------------------------------------------------------------------------------------------------------
# Supervision, as a process manager would do it: a host that exits is started again after 1 s, then 2, 4 ... up to
# RESTART_MAX_DELAY seconds while it keeps dying, and from 1 s again once it has stayed up STABLE_AFTER seconds.
# The loop polls once a second; the sleep runs in the background so that Ctrl+C and SIGTERM interrupt the wait at once.
while true; do
    sleep 1 &
    wait "$!" || true
    for i in "${!NAMES[@]}"; do
        pid="${PIDS[$i]}"
        name="${NAMES[$i]}"
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            status=0
            wait "$pid" || status=$?
            up=$((SECONDS - STARTED[i]))
            if ((up >= STABLE_AFTER)); then
                DELAY[i]=1
            fi
            DUE[i]=$((SECONDS + DELAY[i]))
            PIDS[i]=""
            write_host_pids
            note "$name (pid $pid) exited unexpectedly (exit $status) after ${up} s; restarting it in ${DELAY[i]} s"
            printf '\n--- run.sh: %s exited (exit %s); restarting in %s s ---\n' "$name" "$status" "${DELAY[i]}" >>"$LOGS/$name.log"
            DELAY[i]=$((DELAY[i] * 2 > RESTART_MAX_DELAY ? RESTART_MAX_DELAY : DELAY[i] * 2))
        elif [[ -z "$pid" ]] && ((SECONDS >= DUE[i])); then
            RESTARTS[i]=$((RESTARTS[i] + 1))
            launch_host "$i"
            note "restarted $name (pid ${PIDS[$i]}, restart ${RESTARTS[i]}); log: $(rel "$LOGS")/$name.log"
        fi
    done
done
