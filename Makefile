# The two quick-start commands: `make demo` and `make test`. Both set up .venv
# and the Mesa EGL drivers the embedded renderer needs on a fresh machine; `make
# test` also installs the Cycles extra (Blender's bpy) and the X11/GL client
# libraries its wheel links against, Chromium for the report's tests, and the Ray extra.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
EGL_PACKAGES := libegl1 libegl-mesa0 libgl1-mesa-dri libgbm1
BPY_PACKAGES := libx11-6 libxrender1 libxfixes3 libxi6 libxkbcommon0 libsm6 libice6 libgl1 libxext6
CYCLES_STAMP := $(VENV)/.cycles
RAY_STAMP := $(VENV)/.ray

.PHONY: demo test bench egl cycles browser clean assets renders

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# $(call apt_unless,CHECK,PACKAGES,WHAT): install Debian PACKAGES when the shell command
# CHECK fails (as root; otherwise say what to install).
define apt_unless
	@if ! $(1) 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(2); \
	  else \
	    echo "$(3): run 'sudo apt-get install $(2)'"; exit 1; \
	  fi; \
	fi
endef

# The Cycles extra, and the system libraries bpy needs when it cannot load.
$(CYCLES_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,cycles]"
	touch $@

# The Ray extra: tests/test_ray.py starts a local Ray instance.
$(RAY_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,ray]"
	touch $@

cycles: $(CYCLES_STAMP)
	$(call apt_unless,$(PY) -c "import bpy",$(BPY_PACKAGES),bpy cannot load its libraries)

# Installs Mesa's EGL drivers only when no headless GL context can be made.
egl: $(STAMP)
	$(call apt_unless,$(PY) -c "import moderngl; moderngl.create_standalone_context(backend='egl')",$(EGL_PACKAGES),Mesa EGL is missing)

demo: $(STAMP) egl
	rm -rf out/demo
	$(VENV)/bin/cabin-synth generate --preset default --frames 50 --seed 0 --out out/demo
	$(VENV)/bin/cabin-synth validate out/demo

# Headless Chromium opens the HTML report in tests/test_compliance.py.
browser:
	$(call apt_unless,command -v chromium,chromium,the report tests need Chromium)

# One pytest worker per core (at most 4: each holds its own GL context, Cycles and frames), whole
# test files to a worker so that a module's fixtures are made once; the slowest tests are listed.
test: $(STAMP) egl cycles browser $(RAY_STAMP)
	$(PY) -m pytest -q -n auto --maxprocesses 4 --dist loadfile --durations 25

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
