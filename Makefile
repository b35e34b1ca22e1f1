# Kindling: one entry point for developers and CI (a fresh Debian bookworm machine, as root).
#
#   make deps    install what is missing (apt packages one at a time, npm packages from lockfiles)
#   make build   native build in build/, wasm build in build-wasm/ (fills bindings/npm/dist
#                and web/public/wasm)
#   make test    deps + build + ctest + node tests + browser tests + npm package test
#   make play    deps + build + the web page on http://localhost:5173
#   make bench   build + Kindling's wasm builds against TF.js's wasm backend (not part of test)
#   make bench-playground   the playground's steps/s in the page's worker vs node, and its fps
#   make fuzz    the libFuzzer targets, FUZZ_SECONDS (default 600) each, under nice -n 19 (-j5: side by side)
#   make test-property-long   the property tests with many more cases (KD_PROPERTY_RUNS)
#   make optable rewrite the files generated from the op table (bindings/optable/tensor_ops.mjs)
#   make clean   remove every build output

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

JOBS ?= 2
BUILD_TYPE ?= Release
# Emscripten 3.1.6's JS optimizer needs Debian's acorn when linking.
export NODE_PATH := /usr/share/nodejs

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# python3-torch: the playground's exported train.py runs in tests/node/ (export, sequence);
# miscfiles: the char-RNN preset's texts (/usr/share/state/us-*.gz); clang and its
# compiler-rt (sanitizer and libFuzzer runtimes) for build-asan/ and build-tsan/.
APT_PACKAGES := cmake g++ make emscripten catch2 chromium python3-torch miscfiles clang libclang-rt-14-dev
NODE_MIN_MAJOR := 20
WEB_DEPS_STAMP := web/node_modules/.kindling-installed
PACKAGE_DEPS_STAMP := tests/package/node_modules/.kindling-installed
PROPERTY_DEPS_STAMP := tests/property/node_modules/.kindling-installed
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := $(sort $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.cpp))))
PROPERTY_LONG_RUNS ?= 20000
# Any sanitizer report fails the test that produced it.
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 TSAN_OPTIONS=halt_on_error=1

BENCH_DEPS_STAMP := bench/node_modules/.kindling-installed

.PHONY: deps deps-apt deps-node build build-native build-wasm web-texts build-asan build-tsan test test-native \
  test-node test-browser test-package test-property test-property-long test-sanitize fuzz play bench bench-playground optable clean

deps: deps-apt deps-node $(WEB_DEPS_STAMP) $(PACKAGE_DEPS_STAMP) $(PROPERTY_DEPS_STAMP)

# Only what is missing, in one apt-get run (never two apt jobs at once: dpkg's lock).
deps-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing="$$missing nodejs npm"; fi; \
	if [ -n "$$missing" ]; then \
	  echo "deps: apt-get install$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq$$missing; \
	fi

# Vite 8 needs Node >= 20.19.
deps-node: deps-apt
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<$(NODE_MIN_MAJOR)||(a===20&&b<19)) { console.error("deps: Node "+process.version+" is too old: Vite needs >= 20.19"); process.exit(1) }'

$(WEB_DEPS_STAMP): web/package.json web/package-lock.json | deps-node
	cd web && npm ci --no-audit --no-fund
	@touch $@

# TypeScript and Vite for tests/package (the packed npm package installed into a fresh project).
$(PACKAGE_DEPS_STAMP): tests/package/package.json tests/package/package-lock.json | deps-node
	cd tests/package && npm ci --no-audit --no-fund
	@touch $@

# fast-check for tests/property.
$(PROPERTY_DEPS_STAMP): tests/property/package.json tests/property/package-lock.json | deps-node
	cd tests/property && npm ci --no-audit --no-fund
	@touch $@

build: build-native build-wasm web-texts

# The char-RNN preset's texts: the US Constitution and Declaration of Independence from
# Debian's miscfiles, unpacked where the page serves them (never fetched from the network).
WEB_TEXTS := web/public/texts/us-constitution.txt web/public/texts/us-declaration.txt
web-texts: $(WEB_TEXTS)
web/public/texts/%.txt: /usr/share/state/%.gz
	@mkdir -p $(@D)
	gzip -dc $< > $@
/usr/share/state/us-constitution.gz /usr/share/state/us-declaration.gz: | deps-apt
	@test -f $@ || { echo "$@ is missing: apt-get install miscfiles"; exit 1; }

build-native: deps
	@[ -f build/CMakeCache.txt ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build build -j$(JOBS)

build-wasm: deps
	@[ -f build-wasm/CMakeCache.txt ] || emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build build-wasm -j$(JOBS)

# The native suite under ASan+UBSan (LeakSanitizer included) with the libFuzzer targets, and
# the thread pool under TSan: clang, each in its own build directory.
build-asan: deps
	@[ -f build-asan/CMakeCache.txt ] || cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKD_SANITIZER=address -DCMAKE_CXX_COMPILER=clang++
	cmake --build build-asan -j$(JOBS)

build-tsan: deps
	@[ -f build-tsan/CMakeCache.txt ] || cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DKD_SANITIZER=thread -DCMAKE_CXX_COMPILER=clang++
	cmake --build build-tsan -j$(JOBS)

# Runs every suite even when one fails, then fails if any did.
test: build build-asan build-tsan
	@status=0; \
	echo "== native tests (ctest)"; \
	ctest --test-dir build --output-on-failure -j$(JOBS) || status=1; \
	echo "== native tests under ASan+UBSan+LSan, fuzz corpora replayed (ctest --test-dir build-asan)"; \
	$(SANITIZER_ENV) ctest --test-dir build-asan --output-on-failure -j$(JOBS) || status=1; \
	echo "== thread pool under TSan (ctest --test-dir build-tsan)"; \
	$(SANITIZER_ENV) ctest --test-dir build-tsan --output-on-failure -j$(JOBS) || status=1; \
	echo "== wasm in node (node --test tests/node/)"; \
	node --test tests/node/ || status=1; \
	echo "== property-based tests (node --test tests/property/)"; \
	node --test tests/property/ || status=1; \
	echo "== wasm in Chromium (node --test tests/browser/)"; \
	node --test tests/browser/ || status=1; \
	echo "== the npm package (node --test tests/package/)"; \
	node --test tests/package/ || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED"; fi; \
	exit $$status

test-native: build-native
	ctest --test-dir build --output-on-failure -j$(JOBS)

test-node: build-wasm
	node --test tests/node/

test-browser: build-wasm web-texts
	node --test tests/browser/

test-package: build-wasm
	node --test tests/package/

test-property: build-wasm
	node --test tests/property/

test-property-long: build-wasm
	KD_PROPERTY_RUNS=$(PROPERTY_LONG_RUNS) nice -n 10 node --test tests/property/

test-sanitize: build-asan build-tsan
	$(SANITIZER_ENV) ctest --test-dir build-asan --output-on-failure -j$(JOBS)
	$(SANITIZER_ENV) ctest --test-dir build-tsan --output-on-failure -j$(JOBS)

# Each target for FUZZ_SECONDS at the lowest priority (`make -j5 fuzz` runs them side by side).
# New inputs go to build-asan/fuzz/corpus/<target> (the repo's seeds are read, never written);
# a crash stops its target and is saved in build-asan/fuzz/artifacts/: add it to
# tests/fuzz/corpus/<target>/ as crash-<what> and a regression test to
# tests/native/test_hardening_regressions.cpp.
fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))

fuzz-%: build-asan
	@mkdir -p build-asan/fuzz/corpus/$* build-asan/fuzz/artifacts
	@echo "== $* for $(FUZZ_SECONDS) s"
	$(SANITIZER_ENV) nice -n 19 build-asan/tests/fuzz/$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -rss_limit_mb=2048 -timeout=10 -artifact_prefix=build-asan/fuzz/artifacts/$*- \
	  build-asan/fuzz/corpus/$* tests/fuzz/corpus/$* 2>&1 | tee build-asan/fuzz/$*.log

# TF.js (tfjs-core + tfjs-backend-wasm) for make bench only: make test never installs it.
$(BENCH_DEPS_STAMP): bench/package.json bench/package-lock.json | deps-node
	cd bench && npm ci --no-audit --no-fund
	@touch $@

# The numbers table of issue 12: Kindling st / mt 1 thread / mt all threads vs TF.js, medians of
# interleaved runs; fails when a loss does not decrease or the systems disagree.
bench: build-wasm $(BENCH_DEPS_STAMP)
	node --expose-gc bench/js/compare.mjs

# Vite's dev server, with the COOP/COEP headers from web/vite.config.js.
play: build
	@echo "Kindling playground: http://localhost:5173"
	cd web && node node_modules/vite/bin/vite.js --port 5173

# A benchmark, not a test: it prints figures and never fails on time (~7 min).
bench-playground: build-wasm
	node bench/playground.mjs

# The files made from the op table are committed; tests/node/optable.test.mjs fails when stale.
optable:
	node bindings/optable/generate.mjs

clean:
	rm -rf build build-wasm build-asan build-tsan bindings/npm/dist web/public/wasm web/public/texts web/dist
