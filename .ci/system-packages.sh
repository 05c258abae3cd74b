#!/usr/bin/env bash
# The system packages ScaleKG's tests use, installed when missing:
#   java (default-jre-headless)   HermiT, the OWL reasoner (only when ontology/data changed)
#   chromium                      the browser tests, the README screenshot
#   virtuoso-t (virtuoso-opensource)  the remote-store tests
#   wrk                           the HTTP benchmarks
#   pdftoppm (poppler-utils)      the report PDF test (one page to PNG)
#   make, python3-venv            the two commands themselves
# As root with apt-get it installs what is missing (apt-get update first). Otherwise it stops at
# once and prints the exact command to run. Both `make test` and `.ci/run` call it.
#
# Usage: .ci/system-packages.sh [--dry-run]   (--dry-run: say what would be installed, change nothing)
# Other systems (no apt, no root): docs/development.md lists the alternatives.
set -euo pipefail

dry_run=0
case "${1:-}" in
  --dry-run) dry_run=1 ;;
  "") ;;
  *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac

have() { command -v "$1" >/dev/null 2>&1; }

missing=()
have java || missing+=(default-jre-headless)
if [[ -n "${SCALEKG_CHROMIUM:-}" ]]; then
  [[ -x "$SCALEKG_CHROMIUM" ]] || missing+=(chromium)
else
  have chromium || missing+=(chromium)
fi
have virtuoso-t || missing+=(virtuoso-opensource)
have wrk || missing+=(wrk)
have pdftoppm || missing+=(poppler-utils)
have make || missing+=(make)
# Debian's python3 has no venv (ensurepip) until python3-venv is installed.
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if ((${#missing[@]} == 0)); then
  exit 0
fi

install="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if ((dry_run)); then
  echo "system-packages: missing ${missing[*]}; would run: $install"
  exit 0
fi
if ! have apt-get; then
  echo "system-packages: missing ${missing[*]}, and there is no apt-get here." >&2
  echo "  Install the equivalents with your package manager, or see docs/development.md" >&2
  echo "  (Playwright's own Chromium, a Virtuoso container)." >&2
  exit 1
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "system-packages: missing ${missing[*]}. Run, as root:" >&2
  echo "  sudo sh -c '$install'" >&2
  exit 1
fi
echo "system-packages: installing ${missing[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
