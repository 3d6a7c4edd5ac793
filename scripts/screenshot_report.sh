#!/usr/bin/env bash
# Renders an eval folder's report.html in headless Chromium (Debian's `chromium`, installed when
# missing) and saves a full-page screenshot, to check the page as a reader sees it.
#   scripts/screenshot_report.sh EVAL_DIR [OUT.png]
set -euo pipefail
eval_dir="${1:?usage: scripts/screenshot_report.sh EVAL_DIR [OUT.png]}"
out="${2:-$eval_dir/report.png}"
if ! command -v chromium > /dev/null; then
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
[[ -f "$eval_dir/report.html" ]] || build/r2bench report "$eval_dir"
html="$(cd "$eval_dir" && pwd)/report.html"
# A page that failed to render would leave no screenshot; the DOM dump proves the tables exist.
chromium --headless --no-sandbox --disable-gpu --window-size=1200,2400 --screenshot="$out" "file://$html" 2> /dev/null
chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$html" 2> /dev/null | grep -o "<tr>" | wc -l | xargs -I{} echo "rendered {} table rows"
echo "screenshot: $out"
