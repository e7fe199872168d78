#!/usr/bin/env bash
# Creates .cache/py/venv with the e2e tests' newer Python clients from PyPI
# (python-requirements.txt beside this script: confluent-kafka 2.x, whose wheel bundles
# a recent librdkafka). Debian's own clients (python3-kafka, python3-confluent-kafka 1.7)
# stay with /usr/bin/python3. Uses `python3` from PATH, or $PYTHON.
# Idempotent: a venv made from the same requirements is kept as it is.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
requirements="$root/tools/test-deps/python-requirements.txt"
venv="$root/.cache/py/venv"
stamp="$venv/.requirements"

if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
  echo "$venv is up to date"
  exit 0
fi

rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
# Wheels only: a source build would need librdkafka's headers and a compiler.
"$venv/bin/pip" install --disable-pip-version-check --no-cache-dir --only-binary=:all: -r "$requirements"
"$venv/bin/python" -c 'import confluent_kafka as c; print("confluent-kafka", c.__version__, "with librdkafka", c.libversion()[0])'
cp "$requirements" "$stamp"
