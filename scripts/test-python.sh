#!/usr/bin/env bash
# The training code's pyflakes check and pytest suite, part of `npm test`. It needs Debian's Python packages (see README); where
# they are missing it says so in one line and skips, unless CALDIFF_REQUIRE_PYTHON=1 (CI) makes that a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch, numpy, nibabel, onnx, pytest, pyflakes' 2>/dev/null; then
  msg="python tests SKIPPED: /usr/bin/python3 lacks torch/numpy/nibabel/onnx/pytest/pyflakes (apt-get install python3-torch python3-numpy python3-nibabel python3-pil python3-onnx python3-pytest python3-pyflakes)"
  if [ "${CALDIFF_REQUIRE_PYTHON:-0}" = 1 ]; then echo "$msg" >&2; exit 1; fi
  echo "$msg"
  exit 0
fi
exec bash .ci/run-python-tests
