#!/usr/bin/env bash
# Renders an eval folder's report.html in headless Chromium (Debian's `chromium`, installed when
# missing) and saves a screenshot of the whole page, to check the page as a reader sees it.
#   scripts/screenshot_report.sh EVAL_DIR [OUT.png] [WIDTH]
# WIDTH defaults to 1440 px, wide enough for a row of four thumbnails.
set -euo pipefail
eval_dir="${1:?usage: scripts/screenshot_report.sh EVAL_DIR [OUT.png] [WIDTH]}"
out="${2:-$eval_dir/report.png}"
width="${3:-1440}"
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! command -v chromium > /dev/null; then
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
[[ -f "$eval_dir/report.html" ]] || "$root/build/r2bench" report "$eval_dir"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# --no-sandbox: headless Chromium refuses to start as root otherwise (containers, CI).
chrome=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1
        --user-data-dir="$tmp/profile")

# --screenshot captures the window, not the page, so the window must be as tall as the page. A
# copy of the page measures itself once laid out at this width and writes its height into the
# DOM, which --dump-dom prints. Every image is inline with a fixed size, so the layout does not
# change after load.
sed 's|</body>|<script>document.body.setAttribute("data-page-height",Math.ceil(document.documentElement.scrollHeight));</script></body>|' \
  "$eval_dir/report.html" > "$tmp/report.html"
dom="$("${chrome[@]}" --window-size="$width,1000" --dump-dom "file://$tmp/report.html" 2> /dev/null)"
height="$(grep -o 'data-page-height="[0-9]*"' <<< "$dom" | grep -o '[0-9]*' || true)"
if [[ -z "$height" ]]; then
  echo "screenshot_report.sh: Chromium did not render $eval_dir/report.html" >&2
  exit 1
fi
rows="$(grep -o '<tr>' <<< "$dom" | wc -l)"

# One capture of the whole page. Some Chromium builds cap a capture at the GPU's texture size
# (often 16384 px) and return a shorter image; then the page is captured in parts, each a copy of
# the page shifted up by a negative top margin: OUT-1.png, OUT-2.png, …
png_height() { od -An -tu1 -j20 -N4 "$1" | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}'; }
"${chrome[@]}" --window-size="$width,$height" --screenshot="$out" "file://$(cd "$eval_dir" && pwd)/report.html" 2> /dev/null
if [[ -f "$out" && "$(png_height "$out")" -eq "$height" ]]; then
  echo "screenshot: $out (${width}x${height}, $rows table rows)"
  exit 0
fi
rm -f "$out"
max=16000
parts=$(( (height + max - 1) / max ))
for (( k = 0; k < parts; ++k )); do
  part_height=$(( k == parts - 1 ? height - k * max : max ))
  sed "s|</head>|<style>html{margin-top:-$(( k * max ))px}</style></head>|" "$eval_dir/report.html" > "$tmp/part.html"
  "${chrome[@]}" --window-size="$width,$part_height" --screenshot="${out%.png}-$(( k + 1 )).png" "file://$tmp/part.html" 2> /dev/null
  echo "screenshot: ${out%.png}-$(( k + 1 )).png (${width}x${part_height}, part $(( k + 1 )) of $parts)"
done
echo "page: ${width}x${height}, $rows table rows"
