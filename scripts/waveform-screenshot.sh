#!/usr/bin/env bash
# Opens a trace's GTKWave save file on a virtual X display and writes what GTKWave shows as a PNG (the screenshots
# in docs/img/ were made this way). Usage: scripts/waveform-screenshot.sh FILE.gtkw OUT.png [SECONDS]
# SECONDS: how long GTKWave gets to load the trace before the picture is taken (default 8; a 100 MB trace needs ~30).
# Needs: apt-get install gtkwave xvfb x11-apps netpbm
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 FILE.gtkw OUT.png [SECONDS]" >&2; exit 2; }
save="$1" out="$2" wait="${3:-8}"
[[ -f "$save" ]] || { echo "$0: no save file '$save'" >&2; exit 2; }
for tool in gtkwave Xvfb xwd xwdtopnm pnmtopng; do
  command -v "$tool" > /dev/null || { echo "$0: $tool is missing: apt-get install gtkwave xvfb x11-apps netpbm" >&2; exit 2; }
done
display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1400x900x24 > /dev/null 2>&1 &
xvfb=$!
trap 'kill $gtkwave $xvfb 2> /dev/null || true' EXIT
sleep 1
DISPLAY="$display" gtkwave "$save" > /dev/null 2>&1 &
gtkwave=$!
sleep "$wait"
DISPLAY="$display" xwd -root -silent | xwdtopnm 2> /dev/null | pnmtopng > "$out.partial"
mv "$out.partial" "$out"
echo "$out"
