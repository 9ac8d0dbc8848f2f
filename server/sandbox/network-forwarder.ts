// The inside half of the network gate (network-gate.ts): a shell script that runs first in a
// sandbox with a network namespace of its own, starts one socat listener on 127.0.0.1:PORT for
// every port the gate announces (each connects through the gate's unix socket for that port),
// waits until the first set is listening, keeps following the gate's announcements for ports
// that appear later (a new NodePort Service), and then runs the sandbox's command.
// socat forks one child per connection (per datagram for DNS), so idle costs one process per port.

/** Where the gate's directory is bound inside the sandbox. */
export const GATE_MOUNT = '/run/meshlab-net';
/** Where the script is bound inside the sandbox. */
export const FORWARDER_PATH = '/etc/meshlab-forward.sh';

export const FORWARDER_SCRIPT = `#!/bin/sh
# meshlab: this sandbox's own network reaches its cluster's ports through ${GATE_MOUNT} (generated).
gate=${GATE_MOUNT}
started=" "
start() {
  case "$started" in *" $1/$2 "*) return 0 ;; esac
  case "$2" in ''|*[!0-9]*) return 0 ;; esac
  started="$started$1/$2 "
  if [ "$1" = udp ]; then
    socat -T 5 UDP4-RECVFROM:$2,bind=127.0.0.1,fork UNIX-CONNECT:$gate/udp-$2.sock </dev/null >/dev/null 2>&1 &
  elif [ "$1" = tcp ]; then
    socat TCP4-LISTEN:$2,bind=127.0.0.1,fork,reuseaddr,backlog=128 UNIX-CONNECT:$gate/tcp-$2.sock </dev/null >/dev/null 2>&1 &
  fi
}
listening() {
  hex=$(printf '%04X' "$2")
  if [ "$1" = udp ]; then grep -q "0100007F:$hex 00000000:0000 07" /proc/net/udp
  else grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp; fi
}
if [ -r $gate/ports ]; then
  while read -r proto port; do start "$proto" "$port"; done < $gate/ports
  while read -r proto port; do
    i=0
    while ! listening "$proto" "$port" && [ $i -lt 300 ]; do sleep 0.01; i=$((i+1)); done
  done < $gate/ports
fi
# With the outside network (outside-network.ts), start the command once its default route is up.
if [ -e $gate/outside ]; then
  i=0
  while ! grep -q "^tap0	00000000" /proc/net/route && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done
fi
(socat -u UNIX-CONNECT:$gate/ctl.sock - 2>/dev/null | while read -r proto port; do start "$proto" "$port"; done) </dev/null >/dev/null 2>&1 &
exec "$@"
`;
