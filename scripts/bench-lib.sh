# Shared by the benchmark scripts (sourced after `root` is set): the reshare binary, a scratch folder `out`
# removed on exit, and `measure REPEATS CMD...`, which runs CMD REPEATS times and prints
# "median_wall_seconds peak_MiB" measured by GNU time.
bin="$root/build/testbench/reshare"
[[ -x "$bin" ]] || { echo "${0##*/}: build first (scripts/build.sh)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "${0##*/}: needs GNU time (apt-get install time)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

measure() {
  local repeats="$1" times=() peak=0 t kb
  shift
  local log
  log="$(mktemp)"
  for ((i = 0; i < repeats; i++)); do
    /usr/bin/time -f "%e %M" -o "$log" "$@" >/dev/null
    read -r t kb <"$log"
    times+=("$t")
    ((kb > peak)) && peak=$kb
  done
  rm -f "$log"
  printf '%s\n' "${times[@]}" | sort -g |
    awk -v peak="$peak" '{a[NR]=$1} END {printf "%s %d\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, peak / 1024}'
}

machine() {
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}
