# shellcheck shell=bash
# Sourced by compose/local/stack: progress output, process and port helpers shared by every
# component of the local stack.

T0=${EPOCHREALTIME//[!0-9]/}  # microseconds (the decimal mark depends on the locale)
say() { # progress line with the time since this command started
  local t=$(( (${EPOCHREALTIME//[!0-9]/} - T0) / 100000 ))
  printf '[%3d.%ds] %s\n' $((t / 10)) $((t % 10)) "$*"
}
die() { echo "stack: $*" >&2; exit 1; }

as_root() { # system-wide installs only; everything else runs as the caller
  if (( EUID == 0 )); then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

logged() { # LOG CMD...: run CMD with its output appended to LOG; on failure show the tail
  local log=$1; shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "failed: $* (log: $log)"
  fi
}

pid_alive() { # a zombie has exited too
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

pid_from_file() { # PIDFILE MARKER: the PID in PIDFILE if that process runs and its command line
  # contains MARKER; after a reboot or a killed session the PID may belong to something else.
  local pid cmd
  [[ -f $1 ]] && read -r pid <"$1" && [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmd == *"$2"* ]] && pid_alive "$pid" && echo "$pid"
}

stop_pid() { # NAME PID SIGNAL TIMEOUT: signal, wait for the exit, SIGKILL after TIMEOUT seconds
  local name=$1 pid=$2 deadline=$((SECONDS + $4))
  kill -s "$3" "$pid" 2>/dev/null || true
  while pid_alive "$pid"; do
    if (( SECONDS >= deadline )); then
      say "$name did not stop within $4s: SIGKILL"
      kill -s KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
    fi
    sleep 0.1
  done
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

require_port_free() { # PORT NAME: a foreign process on our port would make the start fail obscurely
  ! port_open "$1" || die "$2: port $1 is already in use by a process this stack did not start"
}

wait_until() { # TIMEOUT CHECK...: poll CHECK every 0.2 s; fails after TIMEOUT seconds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.2
  done
}

launch() { # NAME LOG CMD...: start a daemon in its own session (a Ctrl-C in this terminal does
  # not reach it), stdin closed, output appended to LOG. The process writes its own PID before it
  # execs, so the pid file is right whether or not setsid forks. fd 9 is our lock: not inherited.
  local pidfile=$RUN/$1.pid log=$2; shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016  # $$ and $@ belong to the inner bash
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$log" 2>&1 9>&- &
  disown $!  # not our job: no "Killed" notice if a later step of this command has to stop it
  wait_until 10 test -s "$pidfile" || die "$1 did not start (log: $log)"
}

