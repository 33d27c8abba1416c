# The README's two commands: `make run` and `make test`.
SWIFT_BUILD := swift build -c release
BIN         := .build/release/xenarm
TOPOLOGY    ?= Topologies/default.yaml
PYTHON      := /usr/bin/python3

.PHONY: run test build bootstrap guests clean-run

bootstrap:
	@scripts/bootstrap

# One release build serves `make run`, the unit tests and the integration tests.
build: bootstrap
	$(SWIFT_BUILD) --build-tests

guests: bootstrap
	@$(MAKE) -s -C Guests

run: build guests
	$(BIN) launch $(TOPOLOGY)

test: build guests
	swift test -c release --skip-build
	XENARM=$(CURDIR)/$(BIN) $(PYTHON) -m pytest -q Tests/Integration

# The Wire benchmark (docs/benchmarks.md, "Wire"): the Swift layer against raw libzmq, side by side.
.PHONY: bench-wire
bench-wire: bootstrap
	$(SWIFT_BUILD) --product xenarm
	$(BIN) bench wire

# The hypervisor benchmark (docs/benchmarks.md, "Hypervisor"): null hypercall and its reference, side by side.
.PHONY: bench-hypercall
bench-hypercall: bootstrap guests
	$(SWIFT_BUILD) --product xenarm
	$(BIN) hypervisor --name hypervisor --topology Topologies/bench-hypercall.yaml

# Random ARM/Thumb instruction sequences against qemu-arm (Tests/Integration/cpu/randinsn.py).
# N = programs of 100 blocks x 24 instructions; ISA = arm or thumb. Needs the release build (`make build`).
N    ?= 10
SEED ?= 1
ISA  ?= arm
.PHONY: fuzz-cpu
fuzz-cpu:
	$(SWIFT_BUILD) --product xenarm
	XENARM=$(CURDIR)/$(BIN) $(PYTHON) Tests/Integration/cpu/randinsn.py --isa $(ISA) --seed $(SEED) --programs $(N)
