#!/usr/bin/env bash
# What the docs page's browser test (test/e2e/rest-docs.test.ts) needs: Debian's chromium, which
# playwright-core drives (it downloads no browser of its own). Run as root; does nothing when present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium
