#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing `reshare sweep --slurm` against a real Slurm (Debian's
# slurmctld, slurmd and munge; scripts/setup.sh installs them). Everything lives in one folder of its own: the
# configuration, the munge key and socket, state, spool, logs and pid files, on ports of its own, so it touches no
# system-wide Slurm or munge.
#
# Usage: scripts/slurm-cluster.sh up DIR     starts munged, slurmctld and slurmd; waits for the node to be idle;
#                                            prints the line to eval for the clients: export SLURM_CONF=DIR/slurm.conf
#        scripts/slurm-cluster.sh down DIR   stops them
# Exit status 77 (ctest's skip code in tests/CMakeLists.txt) when Slurm or munge are not installed or cannot start
# here, with the reason on stderr.
set -euo pipefail
cmd="${1:?usage: slurm-cluster.sh up|down DIR}"
dir="$(mkdir -p "${2:?usage: slurm-cluster.sh up|down DIR}" && cd "$2" && pwd)"

skip() { echo "slurm-cluster: $*" >&2; exit 77; }

stop() {
  for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  for pidfile in "$dir"/slurmd.pid "$dir"/slurmctld.pid "$dir"/munged.pid; do
    [[ -f "$pidfile" ]] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [[ "$cmd" == down ]]; then stop; exit 0; fi
[[ "$cmd" == up ]] || { echo "usage: slurm-cluster.sh up|down DIR" >&2; exit 2; }

slurmctld_bin="$(command -v slurmctld || true)"
slurmd_bin="$(command -v slurmd || true)"
munged_bin="$(command -v munged || true)"
[[ -x /usr/sbin/munged ]] && munged_bin=/usr/sbin/munged
[[ -n "$slurmctld_bin" && -n "$slurmd_bin" && -n "$munged_bin" ]] && command -v sbatch >/dev/null ||
  skip "slurmctld, slurmd, sbatch or munged not installed (Debian: slurm-wlm munge; scripts/setup.sh installs them)"

stop   # a cluster left over in this folder
mkdir -p "$dir"/state "$dir"/spool "$dir"/munge
node="$(hostname -s)"
user="$(id -un)"
cpus="$(nproc)"
# Leave the machine some memory: the node offers three quarters of it, so --mem requests are honoured.
mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 3 / 4 ))
# Ports of our own, per folder: two test runs at once do not meet.
base=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))

# munge: a key of this cluster's own, a socket in the folder (--force: it may run as root in a container).
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 600 "$dir/munge/munge.key"
chmod 700 "$dir/munge"
"$munged_bin" --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munge.seed" ||
  skip "munged does not start here (see $dir/munged.log)"

cat >"$dir/slurm.conf" <<EOF
# Written by scripts/slurm-cluster.sh: a one-node test cluster.
ClusterName=reshare-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
# No cgroups in a container: processes tracked by their parents, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$dir/slurm.conf"
"$slurmctld_bin" -f "$SLURM_CONF" || skip "slurmctld does not start here (see $dir/slurmctld.log)"
"$slurmd_bin" -f "$SLURM_CONF" || skip "slurmd does not start here (see $dir/slurmd.log)"

for _ in $(seq 60); do
  state="$(sinfo -h -n "$node" -o %t 2>/dev/null || true)"
  [[ "$state" == idle* ]] && { echo "export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 1
done
skip "the node did not become idle in 60 s (state '${state:-none}'; see $dir/slurmctld.log and $dir/slurmd.log)"
