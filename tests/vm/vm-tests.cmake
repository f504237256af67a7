# SPDX-License-Identifier: GPL-2.0-only
# Tests that run in the rig. Each boots a fresh guest through vm-run, so they
# run one at a time (RUN_SERIAL): two TCG guests on two cores only slow each
# other down.
set(RP_VM_RUN ${PROJECT_SOURCE_DIR}/tests/vm/vm-run)

# rp_vm_test(NAME SCRIPT [TIMEOUT seconds] [LABEL label] [ENV VAR=value...]
#            [ARGS vm-run options...]): the test LABEL.NAME (LABEL: vm, the
# default, runs in make check; long runs in make check-all only).
function(rp_vm_test name script)
  cmake_parse_arguments(T "" "TIMEOUT;LABEL" "ARGS;ENV" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  if(NOT T_LABEL)
    set(T_LABEL vm)
  endif()
  add_test(NAME ${T_LABEL}.${name}
           COMMAND ${RP_VM_RUN} --timeout ${T_TIMEOUT} ${T_ARGS} --
                   ${PROJECT_SOURCE_DIR}/tests/vm/${script})
  set_tests_properties(${T_LABEL}.${name} PROPERTIES
    LABELS ${T_LABEL} RUN_SERIAL ON TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};${T_ENV}")
endfunction()

add_test(NAME vm.vm-run-selftest COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/selftest-vm-run.sh)
set_tests_properties(vm.vm-run-selftest PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 600)

rp_vm_test(rig-topology cases/rig-topology.sh TIMEOUT 300)
rp_vm_test(p2p-raw cases/p2p-raw.sh TIMEOUT 300)
rp_vm_test(p2p-baseline-stacked cases/p2p-baseline-stacked.sh TIMEOUT 300)
rp_vm_test(tool-topology cases/tool-topology.sh TIMEOUT 300)
rp_vm_test(md-core-coexist cases/md-core-coexist.sh TIMEOUT 900)
rp_vm_test(target-levels cases/target-levels.sh TIMEOUT 1200)
rp_vm_test(target-persist cases/target-persist.sh TIMEOUT 1200)
rp_vm_test(target-failures cases/target-failures.sh TIMEOUT 1200)
rp_vm_test(target-badtables cases/target-badtables.sh TIMEOUT 900)
rp_vm_test(p2p-target cases/p2p-target.sh TIMEOUT 1200)
rp_vm_test(p2p-rebuild cases/p2p-rebuild.sh TIMEOUT 900)
rp_vm_test(p2p-faults cases/p2p-faults.sh TIMEOUT 900)
rp_vm_test(p2p-mainline-md cases/p2p-mainline-md.sh TIMEOUT 600)
# raid5 and raid6 with 4 MiB chunks take bios larger than md's 1 MiB from
# drives without a transfer limit (QEMU nvme mdts=0).
rp_vm_test(p2p-bigio cases/p2p-bigio.sh TIMEOUT 600 ARGS --nvme-opts mdts=0)
# Random and mutated tables (tests/vm/cases/target-fuzz.sh): 200 here, 5,000
# on the debug kernel (debug.target-fuzz, below).
rp_vm_test(target-fuzz cases/target-fuzz.sh TIMEOUT 900)
# Corrupt superblocks and bitmaps of stopped arrays
# (tests/vm/cases/target-sbfuzz.sh): 100 here, 2,000 in make check-all.
rp_vm_test(target-sbfuzz cases/target-sbfuzz.sh TIMEOUT 900)
rp_vm_test(target-sbfuzz cases/target-sbfuzz.sh LABEL long TIMEOUT 7200
           ENV RP_SBFUZZ_CASES=2000)
# Create -> P2P and host I/O -> remove: 50 cycles here, 1,000 in
# make check-all; and there 50 load/unload rounds of the md-p2p modules
# beside a busy mdadm array (20 in vm.md-core-coexist).
rp_vm_test(endurance cases/endurance.sh TIMEOUT 900)
rp_vm_test(endurance cases/endurance.sh LABEL long TIMEOUT 10800
           ENV RP_ENDURANCE_CYCLES=1000)
rp_vm_test(md-core-coexist cases/md-core-coexist.sh LABEL long TIMEOUT 2400
           ENV RP_MD_CORE_ROUNDS=50)

# p2praid-tool monitor puts a spare in for a hot-removed member.
rp_vm_test(tool-monitor cases/tool-monitor.sh TIMEOUT 600)

add_test(NAME vm.target-unclean COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/target-unclean-host.sh)
set_tests_properties(vm.target-unclean PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 1500
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")

# Power cuts (tests/vm/power-cut-host.sh): raid1, raid10, raid5 and raid6
# with metadata, written from P2P and host memory, the power cut at random
# moments; each boot after a cut reassembles them with p2praid-tool and
# checks resync, every acknowledged write, and md's check. 2 cuts per level
# here; 20 in make check-all, and one during a rebuild and one during a
# resync.
add_test(NAME vm.power-cut COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/power-cut-host.sh)
set_tests_properties(vm.power-cut PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 1200
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")
add_test(NAME long.power-cut COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/power-cut-host.sh)
set_tests_properties(long.power-cut PROPERTIES LABELS long RUN_SERIAL ON TIMEOUT 7200
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};RP_PCUT_CUTS=20;RP_PCUT_EXTRA=resync rebuild;RP_PCUT_SEED=2")

# The DMA meter (tests/vm/dma-meter) agrees with raid-p2p's counters and
# the members' statistics, per phase, on raid0, raid1, raid5 and bounced
# members; the meter's own test (dma-meter.selftest) is a unit test.
add_test(NAME vm.dma-meter COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/dma-meter-host.sh)
set_tests_properties(vm.dma-meter PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 900
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")
add_test(NAME dma-meter.selftest COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/selftest-dma-meter.sh)
set_tests_properties(dma-meter.selftest PROPERTIES LABELS unit TIMEOUT 60)

# p2praid-tool create / assemble across two boots with the same disks.
add_test(NAME vm.tool-arrays COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/tool-arrays-host.sh)
set_tests_properties(vm.tool-arrays PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 1800
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")

# The benchmark, short (tests/bench/rig-bench.sh): one job per level with host
# and P2P buffers on raid-p2p and the mainline dm raid target.
# It runs in make check-all (label long), to keep a cold make check short.
rp_vm_test(bench-smoke cases/bench-smoke.sh LABEL long TIMEOUT 600)

# Arrays across kernel series: created under 6.12, assembled and written
# under 7.3, assembled again under 6.12 (three boots on the same disks).
# Needs both guest kernels and the modules for both, so it is labelled
# "cross" and runs in make check-all, not make check.
add_test(NAME cross.kernel-roundtrip COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/kernel-roundtrip-host.sh)
set_tests_properties(cross.kernel-roundtrip PROPERTIES LABELS cross RUN_SERIAL ON TIMEOUT 2400
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")

# The debug kernel (make rig-debug): tests labelled "debug" boot it, and
# run in make check-debug (part of make check-all). Faults with P2P buffers
# in flight (tests/vm/cases/fault-matrix.sh), every level and fault, run
# there; make check runs raid5's hot-remove and controller reset, raid1's
# controller reset, and raid1's provider unbind, on the normal kernel
# (vm.fault-smoke, vm.fault-reset, vm.fault-provider).
add_test(NAME debug.vm-run-selftest COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/selftest-debug-kernel.sh)
set_tests_properties(debug.vm-run-selftest PROPERTIES LABELS debug RUN_SERIAL ON TIMEOUT 900)
add_test(NAME debug.fault-matrix
         COMMAND ${RP_VM_RUN} --debug-kernel --timeout 5400 --
                 ${PROJECT_SOURCE_DIR}/tests/vm/cases/fault-matrix.sh)
set_tests_properties(debug.fault-matrix PROPERTIES LABELS debug RUN_SERIAL ON TIMEOUT 5400
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")
add_test(NAME debug.target-fuzz
         COMMAND ${RP_VM_RUN} --debug-kernel --timeout 14400 --
                 ${PROJECT_SOURCE_DIR}/tests/vm/cases/target-fuzz.sh)
set_tests_properties(debug.target-fuzz PROPERTIES LABELS debug RUN_SERIAL ON TIMEOUT 14400
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};RP_FUZZ_TABLES=5000")
add_test(NAME vm.fault-smoke
         COMMAND ${RP_VM_RUN} --timeout 900 -- ${PROJECT_SOURCE_DIR}/tests/vm/cases/fault-matrix.sh)
set_tests_properties(vm.fault-smoke PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 900
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};RP_FAULT_LEVELS=raid5;RP_FAULT_KINDS=hotremove reset")
# A raid1 member's controller reset with P2P writes in flight (the case
# that deadlocked QEMU 7.2; tests/vm/qemu.pin).
add_test(NAME vm.fault-reset
         COMMAND ${RP_VM_RUN} --timeout 600 -- ${PROJECT_SOURCE_DIR}/tests/vm/cases/fault-matrix.sh)
set_tests_properties(vm.fault-reset PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 600
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};RP_FAULT_LEVELS=raid1;RP_FAULT_KINDS=reset")
# The drive whose CMB a raid1 resync uses is unbound during that resync.
add_test(NAME vm.fault-provider
         COMMAND ${RP_VM_RUN} --timeout 600 -- ${PROJECT_SOURCE_DIR}/tests/vm/cases/fault-matrix.sh)
set_tests_properties(vm.fault-provider PROPERTIES LABELS vm RUN_SERIAL ON TIMEOUT 600
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};RP_FAULT_LEVELS=raid1;RP_FAULT_KINDS=provider-unbind")

# External test suites, unmodified upstream, on raid-p2p devices
# (docs/external-suites.md). tests/suites/suite-host.sh builds each on the
# host from its archive pinned in tests/suites/suites.pin (from
# RP_SUITES_SRC, default ../shared/third-party beside the checkout, into
# the cache; nothing is fetched), then boots the rig with the build shared.
function(rp_suite_test name script)
  cmake_parse_arguments(T "" "TIMEOUT;LABEL" "ENV;VMARGS" ${ARGN})
  add_test(NAME ${T_LABEL}.${name}
           COMMAND ${PROJECT_SOURCE_DIR}/tests/suites/suite-host.sh --timeout ${T_TIMEOUT} ${T_VMARGS} --
                   ${PROJECT_SOURCE_DIR}/tests/vm/${script})
  set_tests_properties(${T_LABEL}.${name} PROPERTIES
    LABELS ${T_LABEL} RUN_SERIAL ON TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR};${T_ENV}")
endfunction()
# p2pmem-test copies raid1 -> raid5 -> raid1 through a CMB, with --check.
rp_suite_test(suite-p2pmem-test cases/suite-p2pmem-test.sh LABEL vm TIMEOUT 600)
# fsx -Z and fsstress on xfs over raid5 and ext4 over raid1, then fsck and
# md's check.
rp_suite_test(suite-fsx cases/suite-fsx.sh LABEL long TIMEOUT 1800)
# blktests' block and dm groups with TEST_DEVS on a raid5 and a raid1; 4
# CPUs for the null_blk tests that want 4 submission queues (block/038).
# --icount 2: guest time counts the guest's instructions (4 ns each), so
# that block/024, which checks iostats times of 0.5 ms null_blk I/Os to
# the second, measures the guest kernel and not how fast TCG runs it
# (under plain TCG the 3,600 concurrent writes took over 0.5 ms each).
rp_suite_test(suite-blktests cases/suite-blktests.sh LABEL long TIMEOUT 3600 VMARGS --smp 4 --icount 2)
# xfstests on ext4 and xfs, TEST_DEV on raid5, SCRATCH_DEV on raid1: the
# quick tests of generic/001-020 (the whole quick group, about 670 tests
# per filesystem, takes many hours under TCG; RP_XFSTESTS_ARGS="-g quick"
# runs it by hand: docs/external-suites.md). 2 GiB drives: the
# fsstress-based tests fill the 126 MiB partitions of 256 MiB ones. Both
# file systems take about 46 minutes on 2 cores; one hour was not enough
# with other guests on the cores.
rp_suite_test(suite-xfstests cases/suite-xfstests.sh LABEL long TIMEOUT 5400 VMARGS --disk-size 2G
              ENV "RP_XFSTESTS_ARGS=generic/001 generic/002 generic/003 generic/004 generic/005 generic/006 generic/007 generic/008 generic/009 generic/011 generic/012 generic/013 generic/014 generic/015 generic/016 generic/018 generic/020")
