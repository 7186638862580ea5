#!/usr/bin/env bash
# Make sure the Graphviz `dot` binary exists: install it where we may (root or
# password-less sudo, Debian/Ubuntu apt), otherwise say how to install it.
# Only the tests want it (they check both renderers): without it, the pictures are
# laid out by graphviz-pure, which pip installs with the project (see viz/render.py).
set -u
if command -v dot >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing Graphviz (the 'dot' binary) with apt-get ..."
  $SUDO apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null && exit 0
fi
cat >&2 <<'MSG'
NOTE: Graphviz's `dot` binary is not installed and could not be installed automatically.
Graphs still render to SVG and PNG with graphviz-pure (installed by pip); PDF needs dot:
  Debian/Ubuntu: sudo apt-get install graphviz
  macOS:         brew install graphviz
  conda:         conda install -c conda-forge graphviz
MSG
exit 0
