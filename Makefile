# Thin wrapper over CMake. `make` builds build/rae; `make test` runs every test through ctest;
# `make run` builds and starts the server (the web app); `make demo` shows the command-line way.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build rae test run demo fuzz bench format clean

all: build

deps:
	@scripts/deps.sh all

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

configure: $(BUILD)/CMakeCache.txt

build: deps configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

# what `run` and `demo` start: rae alone (with its web app), not the ASan build and the tests
rae: deps configure
	@cmake --build $(BUILD) -j $(JOBS) --target rae

run: rae
	@scripts/run.sh $(BUILD)/rae

demo: rae
	@scripts/demo.sh $(BUILD)/rae

fuzz: deps configure
	@scripts/fuzz.sh $(or $(SECONDS),60) $(BUILD)

bench: build
	@bench/engineer/run.sh $(BUILD)/rae
	@bench/engineer-ai/first_request.py $(BUILD)/rae
	@bench/capture/run.sh $(BUILD)/rae
	@bench/checkpoint/run.sh
	@bench/serve/run.sh $(BUILD)/rae
	@bench/serve/abuse.py $(BUILD)/rae
	@bench/serve/soak.py $(BUILD)/rae
	@bench/serve/badinput.py $(BUILD)/rae
# bigsprites: OLD_RAE=path/to/an/older/rae measures that binary too, and prints the ratio
	@bench/serve/bigsprites.py $(BUILD)/rae

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
