# Saol.Distributed — every entry point. `make demo` and `make test` do all set-up themselves.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := demo

CONFIG      ?= Release
NATIVE_DIR  := build/native
RESULTS_DIR := build/test-results
DOTNET      := dotnet
DOTNET_FLAGS := -c $(CONFIG) --nologo -v minimal
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
# libtorch starts with one intra-op thread here; the binding sets this many explicitly.
export SAOL_NUM_THREADS ?= $(shell nproc)

.PHONY: all deps native build test demo clean \
        bench-binding bench-saol bench-rpc bench-allreduce

all: build

## deps: install the missing Debian packages (no apt call when all are present)
deps:
	@eng/install-deps.sh

## native: configure and build the libtorch C ABI shim (Torch_DIR=<libtorch>/share/cmake/Torch for another libtorch)
native: deps
	@mkdir -p build; cmake -S torch/native -B $(NATIVE_DIR) -DCMAKE_BUILD_TYPE=Release $(if $(Torch_DIR),-DTorch_DIR=$(Torch_DIR)) > $(NATIVE_DIR).configure.log 2>&1 || { mkdir -p build; cat $(NATIVE_DIR).configure.log; exit 1; }
	@cmake --build $(NATIVE_DIR) -j $$(nproc)

## build: native shim, then restore and build every .NET project
build: native
	@$(DOTNET) build Saol.Distributed.sln $(DOTNET_FLAGS)

## test: every test project, then one closing line "N passed, N failed, N skipped"
test: build
	@rm -rf $(RESULTS_DIR)
	@status=0; $(DOTNET) test Saol.Distributed.sln $(DOTNET_FLAGS) --no-build \
	    --logger "trx" --logger "console;verbosity=normal" --results-directory $(RESULTS_DIR) || status=$$?; \
	  eng/test-summary.sh $(RESULTS_DIR); exit $$status

## demo: the main job on this machine
demo: build
	@eng/demo.sh

bench-binding: build
	@bench/run.sh binding

bench-saol: build
	@bench/run.sh saol

bench-rpc: build
	@bench/run.sh rpc

bench-allreduce: build
	@bench/run.sh allreduce

.PHONY: bench-imagefolder
bench-imagefolder: build
	@bench/run.sh imagefolder

clean:
	rm -rf build
	find . -name bin -o -name obj -type d -prune -exec rm -rf {} +
