# smr-siting — set-up, demo, tests and packaging.
#
#   make demo    install what is missing, then screen Gelderland on the bundled demo data → out/demo/
#   make test    install what is missing, then lint and run every test (engine, QGIS, qgis_process)
#
# System packages come from apt (QGIS and its Python stack); pip installs only test tools into a
# venv that sees the system packages.  Never pip-install shapely 2 / numpy 2 / affine 3 next to
# Debian 12's QGIS: they crash inside the QGIS process.

SHELL := /bin/bash
SYSTEM_PYTHON := /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
PLUGIN_NAME := smr_siting
PLUGIN_DIR := build/plugins/$(PLUGIN_NAME)
VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
SHARED_DATA ?= ../shared/data/nl
DEMO_DATA := demo/data
APT_PACKAGES := qgis python3-qgis qgis-providers python3-geopandas python3-rasterio python3-rtree \
	python3-scipy python3-yaml python3-pytest python3-hypothesis python3-venv qttools5-dev-tools zip \
	python3-fiona proj-bin python3-dask python3-distributed python3-matplotlib weasyprint poppler-utils xvfb \
	python3-setuptools python3-wheel
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export QT_QPA_PLATFORM := offscreen
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: all deps apt venv demo test lint pytest plugin zip translations demo-data national-pack reference-layers \
	demo-picture report-pictures clean distclean test-qgis340 bench screenshots wheel

all: test

## ---------------------------------------------------------------- set-up
apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "apt: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements-dev.txt pyproject.toml | apt
	$(SYSTEM_PYTHON) -m venv --system-site-packages $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	@$(PY) -c "import numpy, shapely; assert numpy.__file__.startswith('/usr/'), 'pip replaced numpy'; \
	  assert shapely.__file__.startswith('/usr/'), 'pip replaced shapely'"
	touch $@

venv: $(VENV)/.installed
deps: apt venv

## ---------------------------------------------------------------- demo
demo: deps
	$(VENV)/bin/smr-siting screen --region Gelderland --profile nl-default --data $(DEMO_DATA) \
	  --out out/demo --vector --overwrite

# Rebuild the bundled demo pack and reference layers from ../shared/data/nl (needs ../shared).
demo-data: deps
	$(PY) scripts/build_demo_pack.py --source $(SHARED_DATA) --out $(DEMO_DATA)

# Rebuild the embedded national pack (layers/national, shipped in the plugin zip) from ../shared/data/nl: every layer
# the shipped profiles can use (file list derived from layers/catalogue.yaml + smr_siting/profiles).  Rerun after a
# profile or catalogue change; the result is byte-identical for the same inputs.
national-pack: deps
	$(PY) scripts/build_national_pack.py --source $(SHARED_DATA) --out layers/national

reference-layers: deps
	$(PY) scripts/build_reference_layers.py --source $(SHARED_DATA) --out layers/reference

demo-picture: demo plugin
	$(PY) scripts/render_demo_map.py --run out/demo --out docs/img/demo-gelderland.png

# The report of the ranked demo (with a cooling-water sweep): its title page and exclusion map as PNG.
report-pictures: demo
	$(VENV)/bin/smr-siting rank --run out/demo --overwrite --quiet
	$(VENV)/bin/smr-siting sensitivity --run out/demo --sweep cooling_water=1km,2km,5km,10km --overwrite --quiet
	$(VENV)/bin/smr-siting report out/demo --overwrite --quiet
	pdftoppm -r 80 -png -f 1 -l 1 -singlefile out/demo/report.pdf docs/img/report-title-nl
	pdftoppm -r 80 -png -f 2 -l 2 -singlefile out/demo/report.pdf docs/img/report-map-nl

## ---------------------------------------------------------------- tests
lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

pytest: deps plugin
	SMR_SHARED_DATA=$(abspath $(SHARED_DATA)) $(PY) -m pytest -q -p no:cacheprovider tests

test: lint pytest

## ---------------------------------------------------------------- the other Debian release
# The whole pytest suite (engine, QGIS, qgis_process) on the *other* Debian release's QGIS, in a
# debootstrap'ed root cached under build/ (on Debian 12: Debian 13's QGIS 3.40, Python 3.13, shapely 2,
# geopandas 1, numpy 2; on Debian 13: Debian 12's QGIS 3.22).  Needs root (or sudo): debootstrap, chroot.
test-qgis340:
	SHARED_DATA=$(abspath $(SHARED_DATA)) bash scripts/qgis-other-release.sh

## ---------------------------------------------------------------- benchmark
# Our engine against the QGIS Processing GDAL chain, a bare numpy/scipy floor and atlite (PyPI, in its own venv
# under build/ without the system packages, so it cannot disturb QGIS's), Gelderland at 25 m from $(SHARED_DATA);
# then the whole pipeline (screen, rank, sensitivity, a 4-value sweep) against the same steps as a QGIS GDAL chain;
# 5–10 minutes.  Results: docs/benchmark.md; the national tiled run: benchmarks/national.py.
BENCH_ATLITE_VENV := build/bench-atlite-venv

$(BENCH_ATLITE_VENV)/.installed:
	$(SYSTEM_PYTHON) -m venv $(BENCH_ATLITE_VENV)
	$(BENCH_ATLITE_VENV)/bin/pip install -q --disable-pip-version-check "atlite==0.7.0"
	touch $@

bench: deps $(BENCH_ATLITE_VENV)/.installed
	$(PY) benchmarks/run.py --data $(SHARED_DATA) --qgis-python $(SYSTEM_PYTHON) \
	  --atlite-python $(BENCH_ATLITE_VENV)/bin/python

## ---------------------------------------------------------------- plugin
translations: apt
	@mkdir -p build
	@if [ -n "$$(ls resources/i18n/*.ts 2>/dev/null)" ]; then \
	  for ts in resources/i18n/*.ts; do lrelease -silent $$ts -qm $${ts%.ts}.qm; done; fi

plugin: translations
	rm -rf $(PLUGIN_DIR)
	mkdir -p $(PLUGIN_DIR)
	cp -r $(PLUGIN_NAME)/. $(PLUGIN_DIR)/
	cp -r metadata.txt LICENSE resources layers $(PLUGIN_DIR)/
	rm -f $(PLUGIN_DIR)/resources/i18n/*.ts
	find $(PLUGIN_DIR) -name __pycache__ -prune -exec rm -rf {} +
	@echo "plugin folder: $(PLUGIN_DIR)"

zip: plugin
	rm -f build/$(PLUGIN_NAME)-$(VERSION).zip
	cd build/plugins && zip -q -r -X ../$(PLUGIN_NAME)-$(VERSION).zip $(PLUGIN_NAME)
	@echo "plugin zip: build/$(PLUGIN_NAME)-$(VERSION).zip ($$(du -h build/$(PLUGIN_NAME)-$(VERSION).zip | cut -f1), with the national pack)"

# The Python package as a wheel, with the layer catalogue, the embedded national pack and the styles inside the
# package (setup.py copies layers/ and resources/styles in), as in the plugin zip.
wheel: venv
	$(PY) -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w build/dist .
	@ls build/dist/smr_siting-*.whl

# The plugin in a real QGIS window (Xvfb without a display): screenshots of the dialog, the map and Identify.
screenshots: zip
	$(PY) scripts/qgis_window_demo.py --out docs/img --region Zeeland

clean:
	rm -rf build out .pytest_cache .ruff_cache

distclean: clean
	rm -rf $(VENV)
