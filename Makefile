# SPDX-License-Identifier: GPL-2.0-only
# dm-raid-p2p: wrapper around Kbuild (kernel modules), CMake (the tool and
# its tests) and the QEMU rig. `make help` lists the targets.

SHELL := bash

KDIR ?= /lib/modules/$(shell uname -r)/build
KSRC ?= $(KDIR)
BUILD ?= build
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
CMAKE_FLAGS ?=

TOP := $(abspath .)
RIG_KDIR = $(shell . scripts/common.sh && rp_kernel_dir)/linux

.PHONY: all help deps rig rig-debug kernel rootfs qemu modules rig-modules tool check \
	check-unit check-asan check-vm check-debug check-kernels check-all demo bench profile cpu-ab \
	install deb clean

all: tool modules

help:
	@echo 'make demo                 set up everything, boot the rig, run the demo'
	@echo 'make check                all tests: unit, then in the rig'
	@echo 'make check-all            check, plus the longer suites and the kernel matrix'
	@echo 'make check-kernels        build against every 6.12.y and 7.x Debian offers'
	@echo 'make check-debug          the fault matrix and more on the debug guest kernel'
	@echo 'make bench                fio benchmark in the rig: docs/benchmarks/'
	@echo 'make profile              perf profile of raid-p2p and dm raid in the rig'
	@echo 'make cpu-ab               guest CPU per I/O, raid-p2p against dm raid, pair by pair'
	@echo 'make modules [KDIR=...]   build the kernel modules against a kernel build tree'
	@echo 'make tool                 build p2praid-tool and the test programs'
	@echo 'make install              install the modules (extra/) and the tool'
	@echo 'make deb                  Debian packages in $(BUILD)/deb: dm-raid-p2p-dkms, p2praid-tool'
	@echo 'make rig                  install packages, build the guest kernel and root fs'
	@echo '                          (RP_KERNEL=7.3: the other pinned series; tests/vm/kernel.pin)'
	@echo 'make rig-debug            the debug guest kernel (lockdep, KASAN, fault injection)'
	@echo '                          and the modules for it: tests/vm/vm-run --debug-kernel'
	@echo 'make clean                remove build products (not the rig cache)'

deps:
	@scripts/install-deps

kernel: deps
	@tests/vm/build-kernel >/dev/null

rootfs: deps
	@tests/vm/build-rootfs >/dev/null

qemu: deps
	@tests/vm/build-qemu >/dev/null

rig: kernel rootfs qemu

# The debug guest kernel (tests/vm/kernel-debug.config: lockdep, KASAN,
# fault injection) and our modules for it; `tests/vm/vm-run --debug-kernel`
# boots it.
rig-debug: rootfs qemu
	RP_KFLAVOUR=debug $(MAKE) --no-print-directory kernel rig-modules

# Build the modules against KDIR and stage the .ko files for the rig and
# for `make install` in $(BUILD)/modules/<kernelrelease>/.
modules:
	@test -d "$(KDIR)" || { echo "no kernel build tree at $(KDIR); pass KDIR=" >&2; exit 1; }
	@md-core/extract --kdir "$(KDIR)" --ksrc "$(KSRC)"
	$(MAKE) -C "$(KDIR)" M="$(TOP)" KSRC="$(abspath $(KSRC))" W=1 modules
	@md-core/check-symbols "$(KDIR)" "$(TOP)"
	@krel=$$($(MAKE) -s -C "$(KDIR)" kernelrelease) && \
		mkdir -p "$(BUILD)/modules/$$krel" && rm -f "$(BUILD)/modules/$$krel"/*.ko && \
		find md-core dm-target -name '*.ko' -exec cp {} "$(BUILD)/modules/$$krel/" \;

rig-modules: kernel
	@$(MAKE) --no-print-directory modules KDIR="$(RIG_KDIR)"

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

tool: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

check-unit: tool
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L unit
	@$(MAKE) --no-print-directory check-asan

# The tool's unit tests again, built with AddressSanitizer and UBSan in a
# build directory of their own (style checks and fuzzers run once, above).
ASAN_BUILD ?= $(BUILD)/asan
check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRP_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target p2praid-unit-tests pcut
	cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit -E '^(clang-|fuzz\.)'

check-vm: rig rig-modules tool
	cd $(BUILD) && ctest --output-on-failure -L '^(rig|vm)$$'

check: check-unit check-vm

# md-core and dm-target against every linux-source-6.12 and -7.x version of
# the Debian suites the rig uses (tests/kernels/check-kernels): a table of
# extract / build / W=1 warnings / check-symbols per version.
check-kernels: deps
	tests/kernels/check-kernels

# The other kernel series the rig supports, besides the default 6.12.
RP_OTHER_KERNELS ?= 7.3

# The tests on the debug guest kernel (label "debug"): its own checks and
# the whole fault matrix with P2P buffers, under lockdep and KASAN.
check-debug: rig-debug tool
	cd $(BUILD) && ctest --output-on-failure -L debug

# Everything: check on the pinned 6.12; its long rig tests (label "long":
# 1,000 endurance cycles, 50 module rounds, the bench's short run); the
# whole rig suite again on each other series (its own guest kernel and
# modules); arrays carried across series (label "cross"); the debug
# kernel's tests; the kernel matrix.
check-all: check
	cd $(BUILD) && ctest --output-on-failure -L long
	for k in $(RP_OTHER_KERNELS); do RP_KERNEL=$$k $(MAKE) --no-print-directory check-vm || exit; done
	cd $(BUILD) && ctest --output-on-failure -L cross
	$(MAKE) --no-print-directory check-debug
	$(MAKE) --no-print-directory check-kernels

demo: rig rig-modules tool
	tests/vm/vm-run -- tests/vm/demo.sh

# The bench runs in the deterministic mode (docs/benchmarks/README.md):
# guest CPU time counts instructions (--icount BENCH_ICOUNT; empty: plain
# TCG) and kmemleak is off. BENCH_VM_ARGS: more vm-run options. A second
# boot, under the DMA trace, runs the meter pass; the trace and its cells
# are kept in $(BUILD)/bench-dma.*.
BENCH_ICOUNT ?= 3
BENCH_VM_ARGS ?= --no-kmemleak
BENCH_RUN = tests/vm/vm-run --timeout 7200 $(if $(BENCH_ICOUNT),--icount $(BENCH_ICOUNT)) $(BENCH_VM_ARGS)
# Results of the default kernel series in docs/benchmarks, of another
# (RP_KERNEL=7.3) in docs/benchmarks/<series>.
BENCH_OUT ?= docs/benchmarks$(if $(filter-out 6.12,$(RP_KERNEL)),/$(RP_KERNEL))
bench: rig rig-modules tool
	$(BENCH_RUN) -- tests/bench/rig-bench.sh $(BENCH_OUT)
	RP_BENCH_METER=$(abspath $(BUILD))/bench-dma.cells.json \
		$(BENCH_RUN) --dma-trace $(BUILD)/bench-dma.trace -- tests/bench/rig-bench.sh $(BENCH_OUT)
	tests/bench/meter-merge --icount '$(BENCH_ICOUNT)' \
		--qemu "$$(. scripts/common.sh && "$$(rp_qemu)" --version | head -1)" $(BENCH_OUT)/results.json \
		$(BUILD)/bench-dma.cells.json $(BUILD)/bench-dma.trace
	tests/bench/report $(BENCH_OUT)/results.json

# Where the CPU goes: raid-p2p and dm raid with host buffers under perf, in
# one boot under icount without kmemleak (docs/benchmarks/README.md).
PROFILE_DIR ?= $(BUILD)/profile
PROFILE_LEVELS ?= raid1
PROFILE_WORKLOADS ?= seq-write
profile: rig rig-modules tool
	rm -rf $(PROFILE_DIR) && mkdir -p $(PROFILE_DIR)
	RP_BENCH_PERF=$(abspath $(PROFILE_DIR))/perf RP_BENCH_LEVELS="$(PROFILE_LEVELS)" \
	RP_BENCH_WORKLOADS=$(PROFILE_WORKLOADS) RP_BENCH_TARGETS="raid-p2p dm-raid" \
	RP_BENCH_BUFFERS=host RP_BENCH_RAW=0 RP_BENCH_REBUILD=0 RP_BENCH_FAR_LEVELS= \
	RP_BENCH_EMULATION="TCG -icount shift=3, kmemleak off" \
	tests/vm/vm-run --no-kmemleak --icount 3 --share $(PROFILE_DIR) --timeout 1800 -- \
		tests/bench/rig-bench.sh $(abspath $(PROFILE_DIR))

# Guest CPU per I/O, raid-p2p against dm raid, in alternating pairs in one
# boot under icount (tests/bench/cpu-ab.sh; docs/benchmarks/README.md).
# AB_LEVELS, AB_JOBS (fio rw=), AB_PAIRS; AB_PERF=1 also records the first
# pair under perf. Results in $(BUILD)/cpu-ab/.
AB_DIR ?= $(BUILD)/cpu-ab
AB_LEVELS ?= raid0 raid1 raid10 raid6
AB_JOBS ?= randread randwrite
AB_PAIRS ?= 4
AB_PERF ?= 0
cpu-ab: rig rig-modules tool
	rm -rf $(AB_DIR) && mkdir -p $(AB_DIR)
	RP_AB_LEVELS="$(AB_LEVELS)" RP_AB_JOBS="$(AB_JOBS)" RP_AB_PAIRS=$(AB_PAIRS) RP_AB_PERF=$(AB_PERF) \
	tests/vm/vm-run --no-kmemleak --icount 3 --share $(AB_DIR) --timeout 3600 -- \
		tests/bench/cpu-ab.sh $(abspath $(AB_DIR))

install:
	$(MAKE) -C "$(KDIR)" M="$(TOP)" KSRC="$(abspath $(KSRC))" INSTALL_MOD_DIR=extra modules_install
	depmod -a $$($(MAKE) -s -C "$(KDIR)" kernelrelease)
	cmake --install $(BUILD)

# The Debian packages (scripts/build-deb): dm-raid-p2p-dkms, whose modules
# DKMS builds for each kernel (dkms/dkms.conf), and p2praid-tool.
deb: deps
	scripts/build-deb $(BUILD)/deb

clean:
	-$(MAKE) -C "$(KDIR)" M="$(TOP)" clean 2>/dev/null
	rm -rf $(BUILD)
	md-core/extract --clean
