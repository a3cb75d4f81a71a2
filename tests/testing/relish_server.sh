# Sourced by shell tests and benchmarks: start_relish BINARY DIR [serve flags...] starts
# `relish serve` on a free loopback port with DIR/data as its data directory, and sets
# RELISH_PID and RELISH_SERVER_URL. stop_relish stops it. The caller exports RELISH_* settings
# first and removes DIR itself.
start_relish() {
  local binary=$1 dir=$2
  shift 2
  # Emptied here, not by the redirection below: that happens in the child, after this shell may
  # already have read the previous run's address from the file and returned before the new
  # server opened anything.
  : >"$dir/relish.out"
  : >"$dir/relish.err"
  "$binary" serve --data "$dir/data" --listen 127.0.0.1:0 "$@" >"$dir/relish.out" 2>"$dir/relish.err" &
  RELISH_PID=$!
  RELISH_SERVER_URL=""
  for _ in $(seq 1 100); do
    RELISH_SERVER_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$dir/relish.out" | head -1 || true)
    [ -n "$RELISH_SERVER_URL" ] && return 0
    kill -0 "$RELISH_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "relish did not start:" >&2
  cat "$dir/relish.err" >&2
  return 1
}

stop_relish() {
  if [ -n "${RELISH_PID:-}" ]; then
    kill "$RELISH_PID" 2>/dev/null || true
    wait "$RELISH_PID" 2>/dev/null || true
    RELISH_PID=""
  fi
}
