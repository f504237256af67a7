// SPDX-License-Identifier: GPL-2.0-only
// Names of block devices: what the user may give (any path or symlink to a
// block device), and what tables are given (names that stay the same
// across reboots).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "p2praid/blockdev.hpp"

namespace p2praid::names {

// The device `given` names, among `all`: a kernel name ("nvme0n1"),
// MAJOR:MINOR, /dev/NAME, or any other path or symlink to a block device
// (/dev/disk/by-id/...), which is resolved with realpath and must be a
// block device. nullptr if it is a block device that `all` lacks. Throws
// CommandError naming `given` if it is no block device.
const blk::BlockDevice* resolve(const blk::Devices& devices,
                                const std::vector<blk::BlockDevice>& all, const std::string& given);

// As resolve(), but nullptr instead of throwing for what is no block
// device (for names in live tables, "-" included).
const blk::BlockDevice* find(const blk::Devices& devices, const std::vector<blk::BlockDevice>& all,
                             const std::string& name);

// The link that tables use, of the /dev/disk/by-id links of one device:
// the one udev makes from the model and serial number, the longest (udev
// adds the namespace id, "_1", where it can, which stays unique on drives
// with several namespaces); else one from an EUI-64, NGUID or UUID
// ("nvme-eui.", "nvme-uuid."); else the first. nullopt without links.
std::optional<std::string> preferred_link(const std::vector<std::string>& links);

// What a table names `device` by: its preferred /dev/disk/by-id link, else
// /dev/NAME. The kernel turns either into MAJOR:MINOR when it loads the
// table; the by-id link names the same device after a reboot, where
// /dev/nvmeXnY and MAJOR:MINOR may name another drive.
std::string stable(const blk::Devices& devices, const blk::BlockDevice& device);

// What a table names partition `number` of `disk` once it exists: udev's
// "<preferred link of the disk>-part<number>", else /dev/<partition>.
std::string stable_partition(const blk::Devices& devices, const blk::BlockDevice& disk,
                             unsigned number);

// The preferred /dev/disk/by-id link of the device `table_name` ("-", a
// path, MAJOR:MINOR) names, or `table_name` if it has none.
std::string stable_name(const blk::Devices& devices, const std::vector<blk::BlockDevice>& all,
                        const std::string& table_name);

}  // namespace p2praid::names
