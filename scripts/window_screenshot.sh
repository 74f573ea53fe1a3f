#!/usr/bin/env bash
# Regenerate the Batch Render window screenshots in docs/images (README, maya_plugin/README.md).
# They are taken by tests/window/test_screenshot.py: the real window under Xvfb (PySide6),
# the real plug-in through the stand-in host, a running job of the fake Maya and its log.
# Needs the plug-in build: cmake -S maya_plugin -B build/maya -DBRM_STANDIN=ON && cmake --build build/maya
set -euo pipefail
cd "$(dirname "$0")/.."
py=python3
python3 -c 'import PySide6.QtWidgets, pytestqt' 2>/dev/null || py=build/venv-window/bin/python
mkdir -p docs/images
BRM_QT=PySide6 PYTEST_QT_API=pyside6 BRM_SCREENSHOT_DIR="$PWD/docs/images" \
  xvfb-run -a -s "-screen 0 1280x1024x24" "$py" -m pytest tests/window/test_screenshot.py -q -p no:cacheprovider
ls -l docs/images/batch_render_submit.png docs/images/batch_render_jobs.png
