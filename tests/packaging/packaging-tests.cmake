# SPDX-License-Identifier: GPL-2.0-only
# The Debian packages (make deb) and their DKMS build: tests/packaging/.
#
# deb-dkms-conf: dkms.conf against the sources (seconds, no root).
# systemd-unit: the monitor's unit file (seconds).
# long.deb-dkms: builds both packages, checks them, builds the modules with
# dkms against the rig kernel and its source tarball, installs the packages
# with dpkg in a scratch Debian root (their maintainer scripts build and
# install the modules), and loads the installed modules in the rig; in make
# check-all (a few minutes: the tool's package build is most).
add_test(NAME deb-dkms-conf
         COMMAND ${PROJECT_SOURCE_DIR}/tests/packaging/deb-test.sh conf)
set_tests_properties(deb-dkms-conf PROPERTIES LABELS unit TIMEOUT 60)

# systemd-unit: systemd/p2praid-monitor.service passes systemd-analyze verify.
add_test(NAME systemd-unit COMMAND ${PROJECT_SOURCE_DIR}/tests/packaging/systemd-unit.sh)
set_tests_properties(systemd-unit PROPERTIES LABELS unit TIMEOUT 60
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")

add_test(NAME long.deb-dkms
         COMMAND ${PROJECT_SOURCE_DIR}/tests/packaging/deb-test.sh build
                 ${CMAKE_CURRENT_BINARY_DIR}/deb-test)
set_tests_properties(long.deb-dkms PROPERTIES LABELS long RUN_SERIAL ON TIMEOUT 1800
  ENVIRONMENT "RP_BUILD=${PROJECT_BINARY_DIR}")
