#!/usr/bin/env bash
# Make sure headless Chromium and its driver exist for the explorer's browser tests
# (tests/test_explorer_browser.py): install Debian's `chromium` and `chromium-driver`
# where we may (root or password-less sudo, apt), otherwise say how to install them.
set -u
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || [ -n "$SUDO" ]; }; then
  echo "Installing Chromium and its driver (for the browser tests) with apt-get ..."
  $SUDO apt-get update -qq >/dev/null && \
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null \
    && exit 0
fi
cat >&2 <<'MSG'
WARNING: Chromium and chromedriver are not installed and could not be installed automatically.
The explorer's browser tests are skipped without them (in CI they fail):
  Debian/Ubuntu: sudo apt-get install chromium chromium-driver
  macOS:         brew install --cask chromium chromedriver
MSG
exit 0
