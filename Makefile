# The two quick-start commands: `make demo` and `make test`. Both set up .venv
# and the Mesa EGL drivers the embedded renderer needs on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EGL_PACKAGES := libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1

.PHONY: demo test bench egl clean assets renders

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# Installs Mesa's EGL drivers only when no headless GL context can be made.
egl: $(STAMP)
	@if ! $(PY) -c "import moderngl; moderngl.create_standalone_context(backend='egl')" 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(EGL_PACKAGES); \
	  else \
	    echo "Mesa EGL is missing: run 'sudo apt-get install $(EGL_PACKAGES)'"; exit 1; \
	  fi; \
	fi

demo: $(STAMP) egl
	rm -rf out/demo
	$(VENV)/bin/cabin-synth generate --preset default --frames 50 --seed 0 --out out/demo
	$(VENV)/bin/cabin-synth validate out/demo

test: $(STAMP) egl
	$(PY) -m pytest -q

bench: $(STAMP) egl
	$(PY) bench/frame_stages.py
	$(PY) bench/clip_labels.py
	$(PY) bench/gaze_zones.py

renders: $(STAMP) egl
	$(PY) bench/cabin_renders.py

assets: $(STAMP)
	$(PY) -m cabin_synth.assets.cabins usd_assets
	$(PY) -m cabin_synth.assets.accessories usd_assets

clean:
	rm -rf $(VENV) out
