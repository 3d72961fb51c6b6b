#!/usr/bin/env bash
# A throwaway local Redis Cluster (3 masters, no replicas, no persistence) for the
# queue contract suite:
#   eval "$(scripts/redis-cluster.sh start)"   # exports REDIS_CLUSTER_NODES=127.0.0.1:p1,...
#   REDIS_CLUSTER_NODES=$REDIS_CLUSTER_NODES npx vitest run test/modules/queue/queue-store.contract.test.ts
#   scripts/redis-cluster.sh stop
# Three free ports, data under a temp dir; `stop` shuts those three nodes down and removes
# the dir. It never touches any other Redis (the shared one on 6379 included).
set -euo pipefail
STATE="${TMPDIR:-/tmp}/stagedoor-redis-cluster.$(id -u).state"

free_ports() {
  node -e '
    const net = require("node:net");
    const take = () => new Promise((resolve) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
    });
    Promise.all([take(), take(), take()]).then((ports) => console.log(ports.join(" ")));'
}

start() {
  if [ -f "$STATE" ]; then
    echo "redis-cluster.sh: already running (state in $STATE); stop it first" >&2
    exit 1
  fi
  local dir ports nodes=()
  dir=$(mktemp -d "${TMPDIR:-/tmp}/sd-redis-cluster.XXXXXX")
  read -r -a ports <<<"$(free_ports)"
  for port in "${ports[@]}"; do
    mkdir -p "$dir/$port"
    redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "$dir/$port/nodes.conf" --dir "$dir/$port" --save "" --appendonly no \
      --daemonize yes --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" >&2
    nodes+=("127.0.0.1:$port")
  done
  printf 'DIR=%s\nPORTS="%s"\n' "$dir" "${ports[*]}" >"$STATE"
  for port in "${ports[@]}"; do
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >&2
  for port in "${ports[@]}"; do
    for _ in $(seq 1 100); do
      redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
  done
  local joined
  joined=$(IFS=,; echo "${nodes[*]}")
  echo "export REDIS_CLUSTER_NODES=$joined"
}

stop() {
  [ -f "$STATE" ] || exit 0
  # shellcheck disable=SC1090
  source "$STATE"
  for port in $PORTS; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
  rm -rf "$DIR" "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
