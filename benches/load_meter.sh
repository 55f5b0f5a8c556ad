#!/usr/bin/env bash
# Load management: the gateway's instructions per MeterValues with load management on
# or off (BENCHMARKS.md, "Load management: CPU per MeterValues"). A manual benchmark,
# not run by CI; the method is that of "Profile (5)".
#
#   benches/load_meter.sh on|off
#
# Starts the release gateway under callgrind on a fresh store (load management enabled
# for `on`, `OCPP_GATEWAY__LOAD__ENABLED=false` for `off`), then the load generator's
# `meter` scenario (CHARGERS chargers, RATE reports/s, prefix CG-). Once every charger
# is known and has reported its EVSE, it creates one three-phase circuit of 20,000 A,
# lists the charge points through the API (`links.next` cursor paging), and for each
# sets its EVSE's power options (three phase, 32 A) and attaches it to the circuit —
# in both modes, so that the only difference is the load manager. In `on` it waits
# until the gateway has sent as many SetChargingProfile as there are chargers. Then it zeroes the counters, waits
# WINDOW seconds, dumps, and prints the instructions of the whole process divided by
# the MeterValues the gateway counted in that window
# (`ocpp_gateway_frames_total{direction="in",kind="call",action="MeterValues"}`).
#
# With VALGRIND=0 the gateway runs natively instead and the script prints its CPU time
# (user + kernel, from /proc/PID/stat) per MeterValues over the window: how often the
# load manager recomputes depends on how fast the process runs (see BENCHMARKS.md).
#
# The binary must be relinked for valgrind first (see "Profile (5)"):
#   cargo build --release
#   cargo rustc --release --bin ocpp-gateway -- -C linker-features=-lld
# Environment: CHARGERS (300), RATE (150), WINDOW (30), SETTLE (10, seconds after the
# attachments and profiles before the counters are zeroed), OCPP_PORT (19000),
# API_PORT (18080), VALGRIND (1), BIN (target/release/ocpp-gateway), OUT (directory
# for the store, logs and callgrind files; a fresh temporary one by default).
# Run from the repository's root. Needs curl, jq, valgrind.
set -euo pipefail

mode=${1:-}
case "$mode" in
on) enabled=true ;;
off) enabled=false ;;
*)
    echo "usage: $0 on|off" >&2
    exit 2
    ;;
esac

CHARGERS=${CHARGERS:-300}
RATE=${RATE:-150}
WINDOW=${WINDOW:-30}
SETTLE=${SETTLE:-10}
OCPP_PORT=${OCPP_PORT:-19000}
API_PORT=${API_PORT:-18080}
OUT=${OUT:-$(mktemp -d /tmp/load_meter.XXXXXX)}
BIN=${BIN:-target/release/ocpp-gateway}
VALGRIND=${VALGRIND:-1}
under=()
[ "$VALGRIND" = 1 ] && under=(valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.%p.out")
API=http://127.0.0.1:$API_PORT
mkdir -p "$OUT"

gw=
sim=
cleanup() {
    [ -n "$sim" ] && kill "$sim" 2>/dev/null || true
    [ -n "$gw" ] && kill "$gw" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Polls "$@" once a second until it succeeds, for at most $1 seconds.
until_ok() {
    local limit=$1
    shift
    local deadline=$((SECONDS + limit))
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "gave up after ${limit}s: $*" >&2
            return 1
        fi
        sleep 1
    done
}

# The sum of the gateway's frame counter for these labels (a regex over its labels).
frames() {
    curl -sf "$API/metrics" |
        awk -v want="$1" '/^ocpp_gateway_frames_total\{/ && $0 ~ want {s += $2} END {print s + 0}'
}
meter_values() { frames 'direction="in",kind="call",action="MeterValues"'; }
profiles_sent() { frames 'direction="out",kind="call",action="SetChargingProfile"'; }

api() {
    local method=$1 path=$2
    shift 2
    curl -sf -X "$method" -H "Authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' "$@" "$API/public-api/$path"
}

OCPP_GATEWAY__OCPP__LISTEN=127.0.0.1:$OCPP_PORT \
    OCPP_GATEWAY__API__LISTEN=127.0.0.1:$API_PORT \
    OCPP_GATEWAY__OCPP__AUTO_REGISTER=true \
    OCPP_GATEWAY__OCPP__ALLOW_UNAUTHENTICATED=true \
    OCPP_GATEWAY__AUTH__UNKNOWN=accept \
    OCPP_GATEWAY__OCPP__RATE_LIMIT=0 \
    OCPP_GATEWAY__STORE__PATH="$OUT/gateway.db" \
    OCPP_GATEWAY__LOG__LEVEL=warn \
    OCPP_GATEWAY__LOAD__ENABLED=$enabled \
    "${under[@]}" "$BIN" serve >"$OUT/gateway.log" 2>&1 &
gw=$!
echo "gateway pid $gw (load management $mode), files in $OUT"
until_ok 120 test -s "$OUT/api-token"
until_ok 120 curl -sf -o /dev/null "$API/metrics"
TOKEN=$(cat "$OUT/api-token")

"$BIN" sim --url "ws://127.0.0.1:$OCPP_PORT/ocpp" --scenario meter \
    --chargers "$CHARGERS" --rate "$RATE" --duration 3600 --prefix CG- \
    --call-timeout 60 >"$OUT/sim.log" 2>&1 &
sim=$!

# Every charge point of the prefix, by cursor paging, into `cps`; true when all are known.
cps=()
list_charge_points() {
    local url="$API/public-api/resources/charge-points/v2.0?per_page=100" page
    cps=()
    while [ -n "$url" ] && [ "$url" != null ]; do
        page=$(curl -sf -H "Authorization: Bearer $TOKEN" "$url") || return 1
        mapfile -t -O "${#cps[@]}" cps < <(jq -r '.data[] | select(.network.id | startswith("CG-")) | .id' <<<"$page")
        url=$(jq -r '.links.next' <<<"$page")
    done
    [ "${#cps[@]}" -ge "$CHARGERS" ]
}
until_ok 600 list_charge_points
echo "${#cps[@]} charge points"

circuit=$(api POST resources/circuits/v2.0 \
    -d '{"name": "bench", "phases": "three_phase", "maxCurrent": 20000}' | jq -r .data.id)
echo "circuit $circuit"

has_evse() { [ "$(api GET "resources/charge-points/v2.0/$1/evses" | jq '.data | length')" -ge 1 ]; }
for cp in "${cps[@]}"; do
    until_ok 60 has_evse "$cp"
    for evse in $(api GET "resources/charge-points/v2.0/$cp/evses" | jq -r '.data[].id'); do
        api PATCH "resources/charge-points/v2.0/$cp/evses/$evse" -o /dev/null \
            -d '{"powerOptions": {"phases": "three_phase", "maxAmperage": 32}}'
    done
    api POST "actions/circuit/v2.0/$circuit/attach-charge-point" -o /dev/null \
        -d "{\"chargePointId\": $cp}"
done
echo "attached"

if [ "$mode" = on ]; then
    every_profile() { [ "$(profiles_sent)" -ge "$CHARGERS" ]; }
    until_ok 300 every_profile
    echo "$(profiles_sent) SetChargingProfile sent"
fi
sleep "$SETTLE"

# The process's CPU time so far, in clock ticks (1/100 s).
ticks() { awk '{print $14 + $15}' "/proc/$gw/stat"; }

m0=$(meter_values)
p0=$(profiles_sent)
t0=$(ticks)
[ "$VALGRIND" = 1 ] && callgrind_control -z "$gw" >/dev/null
sleep "$WINDOW"
[ "$VALGRIND" = 1 ] && callgrind_control -d "$gw" >/dev/null
t1=$(ticks)
m1=$(meter_values)
p1=$(profiles_sent)

reports=$((m1 - m0))
echo "mode $mode: $reports MeterValues, $((p1 - p0)) SetChargingProfile in ${WINDOW}s"
if [ "$VALGRIND" = 1 ]; then
    dump=$(ls -t "$OUT"/cg."$gw".out.* | head -1)
    total=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
    echo "mode $mode: $total instructions, $((total / reports)) per MeterValues ($dump)"
else
    echo "mode $mode: $((t1 - t0)) ticks of CPU, $(((t1 - t0) * 10000 / reports)) us per MeterValues"
fi
