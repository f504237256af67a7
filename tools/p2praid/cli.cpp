// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/cli.hpp"

#include <unistd.h>

#include <array>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "p2praid/cli_errors.hpp"
#include "p2praid/commands.hpp"
#include "p2praid/config.hpp"
#include "p2praid/devnames.hpp"
#include "p2praid/docs.hpp"
#include "p2praid/errors.hpp"
#include "p2praid/fields.hpp"
#include "p2praid/planner.hpp"
#include "p2praid/printer.hpp"
#include "p2praid/raid_level.hpp"
#include "p2praid/reports.hpp"
#include "p2praid/size.hpp"
#include "p2praid/topology.hpp"
#include "p2praid/version.hpp"

namespace p2praid::cli {
namespace {

// --- options --------------------------------------------------------------

struct GlobalOptions {
  int verbosity = 0;
  bool quiet = false;
  std::string format;         // --reportformat: "basic", "json"; "": not given
  std::string output_format;  // --output, its old name: "normal", "json"
  std::string fields;         // -o FIELD,...
  bool noheadings = false;
  std::optional<std::string> separator;
  std::string sysfs_root = "/sys";
  std::string config;  // --config FILE; "": the default, which may be missing
  bool version = false;
  bool man = false;
  bool completion = false;
};

struct SelectionOptions {
  std::string level;
  std::vector<std::string> devices;
  unsigned count = 0;
  std::string provider = "auto";
  plan::Policy policy = plan::Policy::Locality;
  std::uint64_t chunk_bytes = 0;  // 0: not given (a given chunk is at least 4 KiB)
  bool devnums = false;
};

struct Options {
  GlobalOptions global;
  SelectionOptions selection;
  bool all_functions = false;  // topology --all
  std::string stop_name;
  commands::ArrayOptions array;
};

struct Context {
  const Options& options;
  std::ostream& out;
  const Log& log;
  const Services& services;
  const output::Printer& printer;
};

// A CLI11 transform turning a size ("64KiB") into its number of bytes.
CLI::Validator chunk_size_validator() {
  return {[](std::string& value) -> std::string {
            try {
              const std::uint64_t bytes = units::parse_size(value);
              plan::check_chunk(bytes);
              value = std::to_string(bytes);
              return {};
            } catch (const std::invalid_argument& e) {
              return e.what();
            }
          },
          "", "SIZE"};
}

// A CLI11 transform from the names in `choices` to their values, which
// names the choices when the value is none of them (CLI11's own
// CheckedTransformer also takes the values' numbers and says "Check ...
// FAILED").
template <typename T>
CLI::Validator choice(const std::vector<std::pair<std::string, T>>& choices, const char* metavar) {
  return {[choices](std::string& value) -> std::string {
            std::string names;
            for (const auto& [name, v] : choices) {
              if (name == value) {
                value = std::to_string(static_cast<int>(v));
                return {};
              }
              names += (names.empty() ? "" : ", ") + name;
            }
            return "'" + value + "' is not one of " + names;
          },
          "", metavar};
}

CLI::Validator one_of(const std::vector<std::string>& names, const char* metavar) {
  return {[names](const std::string& value) -> std::string {
            if (std::find(names.begin(), names.end(), value) != names.end()) return {};
            std::string list;
            for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
            return "'" + value + "' is not one of " + list;
          },
          "", metavar};
}

CLI::Validator directory_validator() {
  return {[](const std::string& value) -> std::string {
            std::error_code ec;
            if (std::filesystem::is_directory(value, ec)) return {};
            return "'" + value + "' is not a directory";
          },
          "", "DIR"};
}

CLI::Validator provider_validator() {
  return {[](const std::string& value) -> std::string {
            try {
              (void)plan::parse_provider(value);
              return {};
            } catch (const std::invalid_argument& e) {
              return e.what();
            }
          },
          "", "PROVIDER"};
}

std::string level_help() {
  std::string names;
  for (const auto& name : raid::level_names()) names += (names.empty() ? "" : ", ") + name;
  return "RAID level: " + names +
         ". raid5 is raid5_ls, raid6 is raid6_zr. Minimum members: linear 1, raid0 2, raid1 2, "
         "raid10 2, raid4 and raid5 3, raid6 4";
}

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_flag("-v,--verbose", g.verbosity,
               "More messages on stderr; repeat for more. With topology, the text output also "
               "shows every P2P path");
  app.add_flag("-q,--quiet", g.quiet, "No warnings on stderr and no explanations in text output");
  std::string commands;
  const auto report_commands = reports::report_commands();
  for (std::size_t i = 0; i < report_commands.size(); ++i) {
    commands += std::string(i == 0                            ? ""
                            : i + 1 == report_commands.size() ? " and "
                                                              : ", ") +
                std::string(report_commands[i]);
  }
  app.add_option("-o,--options", g.fields,
                 "Report fields of " + commands +
                     ", as lvm's -o: FIELD[,FIELD...] shows those columns of the command's "
                     "table (topology: its NVMe namespaces) in that order and nothing else; "
                     "+FIELD[,...] adds them to the default columns. An unknown field is "
                     "refused with the list of valid ones. -o json and -o normal, the old "
                     "spelling of --reportformat, still work and say so")
      ->type_name("FIELD[,FIELD...]");
  app.add_flag("--noheadings", g.noheadings,
               "Text output without titles and column headings (for scripts)");
  app.add_option("--separator", g.separator,
                 "Text output with the columns separated by STR instead of aligned")
      ->type_name("STR");
  app.add_option("--reportformat", g.format,
                 "Output format: basic (text tables) or json (numbers unquoted, null for "
                 "missing values, lists as arrays)")
      ->check(one_of({"basic", "json"}, "FORMAT"))
      ->type_name("basic|json")
      ->default_str("basic");
  app.add_option("--output", g.output_format,
                 "The old name of --reportformat, normal being basic; deprecated")
      ->check(one_of({"normal", "json"}, "FORMAT"))
      ->type_name("normal|json");
  app.add_option("--sysfs-root", g.sysfs_root,
                 "Read sysfs from DIR instead of /sys (for captured trees)")
      ->check(directory_validator())
      ->type_name("DIR")
      ->default_str("/sys");
  app.add_option("--config", g.config,
                 "Read the config file FILE (see FILES): the arrays that assemble starts, "
                 "the devices it reads and the spares monitor puts in. A missing default file is "
                 "no config; a missing FILE "
                 "given here is an error")
      ->type_name("FILE")
      ->default_str(std::string(config::kDefaultPath));
  app.add_flag("--version", g.version,
               "Print the version of p2praid-tool and of the raid-p2p target the kernel has "
               "loaded, and exit");
  app.add_flag("--man", g.man, "Print the man page (roff) and exit")->group("");
  app.add_flag("--bash-completion", g.completion, "Print the bash completion script and exit")
      ->group("");
}

void add_selection_options(CLI::App& app, SelectionOptions& s) {
  app.add_option("--level", s.level, level_help())
      ->required()
      ->check(one_of(raid::level_names(), "LEVEL"))
      ->type_name("LEVEL");
  auto* devices = app.add_option("--devices", s.devices,
                                 "Use these NVMe namespaces, in this order (/dev/nvme0n1, "
                                 "nvme0n1, MAJOR:MINOR or any path or symlink to one, such as "
                                 "/dev/disk/by-id/...)")
                      ->type_name("DEV");
  auto* count =
      app.add_option("--count", s.count, "Choose this many namespaces, at most one per controller")
          ->check(CLI::Range(1U, raid::kMaxMembers).description(""))
          ->type_name("N");
  devices->excludes(count);
  app.add_option("--provider", s.provider,
                 "P2P memory provider: auto (the nearest published provider that reaches every "
                 "member and has a chunk per member free; none if there is no such provider), "
                 "a PCI address, or none")
      ->check(provider_validator())
      ->type_name("auto|none|BDF")
      ->default_str("auto");
  const std::vector<std::pair<std::string, plan::Policy>> policies{
      {"locality", plan::Policy::Locality}, {"spread", plan::Policy::Spread}};
  app.add_option_no_stream("--policy", s.policy,
                           "Member placement with --count: locality keeps members and provider "
                           "P2P-reachable, under one switch if possible; spread puts mirrors under "
                           "different switches and says what P2P that costs")
      ->transform(choice(policies, "POLICY"))
      ->type_name("locality|spread")
      ->default_str("locality");
  app.add_option("--chunk", s.chunk_bytes,
                 "Chunk size of striped levels, a power of two of at least 4 KiB; " +
                     std::string(units::kSizeSyntax))
      ->transform(chunk_size_validator())
      ->type_name("SIZE")
      ->default_str("64KiB");
  app.add_flag("--major-minor", s.devnums, "Name data devices MAJOR:MINOR in the table");
}

// --- commands -------------------------------------------------------------

topo::Topology load(const Context& ctx) {
  const auto reader = ctx.services.sysfs(ctx.options.global.sysfs_root);
  auto t = topo::load_topology(*reader);
  ctx.log.info("read " + t.source + ": " + std::to_string(t.functions.size()) + " PCI functions, " +
               std::to_string(t.controllers.size()) + " NVMe controllers, " +
               std::to_string(t.namespaces.size()) + " namespaces, " +
               std::to_string(t.providers().size()) + " P2P providers");
  for (const auto& w : t.warnings) ctx.log.warn(w);
  return t;
}

plan::Plan make_plan(const Context& ctx) {
  const auto& s = ctx.options.selection;
  if (s.devices.empty() && s.count == 0) {
    throw UsageError("give the members with --devices DEV... or their number with --count N");
  }
  const auto devs = ctx.services.devices(ctx.options.global.sysfs_root);
  const auto all = devs->list();
  plan::Request req;
  req.level = s.level;
  req.devices = commands::kernel_names(*devs, all, s.devices);
  req.count = s.count;
  req.provider = plan::parse_provider(s.provider);
  req.policy = s.policy;
  if (s.chunk_bytes != 0) req.chunk_bytes = s.chunk_bytes;
  req.devnums = s.devnums;
  const auto t = load(ctx);
  auto p = plan::make_plan(t, req);
  for (const auto& w : p.warnings) ctx.log.warn(w);
  if (!s.devnums) {
    for (auto& d : p.table.devices) d.data = names::stable_name(*devs, all, d.data);
  }
  return p;
}

void setup_topology(CLI::App& app, Options& o) {
  app.add_flag("--all", o.all_functions,
               "List every PCI function, not only the paths to NVMe "
               "controllers and P2P providers");
}

int run_topology(const Context& ctx) {
  const auto t = load(ctx);
  const bool all = ctx.options.all_functions;
  ctx.printer.print(reports::topology(t, all), ctx.out);
  return 0;
}

void setup_plan(CLI::App& app, Options& o) {
  add_selection_options(app, o.selection);
}

int run_plan(const Context& ctx) {
  ctx.printer.print(reports::plan(make_plan(ctx)), ctx.out);
  return 0;
}

int run_table(const Context& ctx) {
  ctx.printer.print(reports::table(make_plan(ctx)), ctx.out);
  return 0;
}

void setup_list(CLI::App& /*app*/, Options& /*o*/) {}

int run_list(const Context& ctx) {
  const auto client = ctx.services.dm(ctx.log);
  const auto arrays = dm::with_target_type(client->devices(), std::string(dm::kTargetType));
  ctx.printer.print(reports::list(arrays), ctx.out);
  return 0;
}

void setup_stop(CLI::App& app, Options& o) {
  app.add_option("name", o.stop_name, "The device-mapper name of the array")
      ->required()
      ->type_name("NAME");
}

std::string target_types(const dm::Device& d) {
  std::string out;
  for (const auto& t : d.targets) out += (out.empty() ? "" : ", ") + t.type;
  return out.empty() ? "no table" : out;
}

int run_stop(const Context& ctx) {
  const std::string& name = ctx.options.stop_name;
  const auto client = ctx.services.dm(ctx.log);
  const auto devices = client->devices();
  const auto it = std::find_if(devices.begin(), devices.end(),
                               [&](const dm::Device& d) { return d.name == name; });
  if (it == devices.end()) {
    throw CommandError(name +
                       ": no such device-mapper device; 'p2praid-tool list' shows the "
                       "raid-p2p arrays");
  }
  if (!it->has_target_type(std::string(dm::kTargetType))) {
    throw CommandError(name + ": not a raid-p2p array (its targets: " + target_types(*it) +
                       "); remove it with 'dmsetup remove " + name + "' if you mean to");
  }
  client->remove(name);
  ctx.log.info("removed " + name);
  ctx.printer.print(reports::stopped(name), ctx.out);
  return 0;
}

// --- array commands (commands.cpp) -------------------------------------------

commands::Env env_of(const Context& ctx) {
  const auto& g = ctx.options.global;
  return {ctx.options.array,
          g.sysfs_root,
          ctx.out,
          ctx.log,
          ctx.services,
          ctx.printer,
          g.config.empty() ? ctx.services.default_config : std::filesystem::path(g.config),
          !g.config.empty()};
}

CLI::Validator size_validator() {
  return {[](std::string& value) -> std::string {
            try {
              const std::uint64_t bytes = units::parse_size(value);
              if (bytes == 0 || bytes % units::kMiB != 0) return "give whole MiB, at least 1 MiB";
              value = std::to_string(bytes);
              return {};
            } catch (const std::invalid_argument& e) {
              return e.what();
            }
          },
          "", "SIZE"};
}

void add_name(CLI::App& app, commands::ArrayOptions& a, bool required) {
  auto* opt = app.add_option("name", a.name, "The array's name (its device-mapper name)")
                  ->type_name("NAME");
  if (required) opt->required();
}

void add_provider(CLI::App& app, commands::ArrayOptions& a, const std::string& help) {
  app.add_option("--provider", a.provider, help)
      ->check(provider_validator())
      ->type_name("auto|none|BDF")
      ->default_str("auto");
}

void add_safety(CLI::App& app, commands::ArrayOptions& a, const std::string& what) {
  app.add_flag("--dry-run", a.dry_run, "Show what would be done; change nothing");
  app.add_flag("-y,--yes", a.yes,
               "Destroy the data on " + what +
                   " without asking (else a prompt on the terminal; without a terminal the "
                   "command refuses)");
}

void setup_create(CLI::App& app, Options& o) {
  auto& a = o.array;
  add_name(app, a, true);
  app.add_option("--level", a.level, level_help())
      ->required()
      ->check(one_of(raid::level_names(), "LEVEL"))
      ->type_name("LEVEL");
  app.add_option("devices", a.devices,
                 "The member NVMe namespaces, in this order (/dev/nvme0n1, nvme0n1, MAJOR:MINOR "
                 "or any path or symlink to one, such as /dev/disk/by-id/...); whole "
                 "namespaces, which create partitions")
      ->required()
      ->type_name("DEVICE");
  add_provider(app, a,
               "P2P memory provider: auto (the nearest published provider that reaches every "
               "member), a PCI address, or none");
  const std::vector<std::pair<std::string, bool>> on_off{{"on", true}, {"off", false}};
  app.add_option_no_stream("--metadata", a.metadata,
                           "on: superblocks and write-intent bitmaps in the metadata partitions; "
                           "off: none, the target resyncs the whole array whenever it starts and "
                           "cannot tell a stale member from a current one; assemble finds such "
                           "an array by the tool's records alone (see MEMBER LAYOUT)")
      ->transform(choice(on_off, "on|off"))
      ->type_name("on|off")
      ->default_str("on");
  app.add_option("--chunk", a.chunk_bytes,
                 "Chunk size of striped levels, a power of two of at least 4 KiB; " +
                     std::string(units::kSizeSyntax))
      ->transform(chunk_size_validator())
      ->type_name("SIZE")
      ->default_str("64KiB");
  app.add_option("--size", a.size_bytes,
                 "Data per member, in whole MiB (default: all that fits after the 5 MiB of "
                 "partition table and metadata)")
      ->transform(size_validator())
      ->type_name("SIZE");
  add_safety(app, a, "the members");
}

int run_create(const Context& ctx) {
  return commands::create(env_of(ctx));
}

void setup_assemble(CLI::App& app, Options& o) {
  auto& a = o.array;
  add_name(app, a, false);
  app.add_flag("--scan", a.scan, "Assemble every array found");
  app.add_option("--incremental", a.incremental,
                 "DEVICE, a metadata partition, has just appeared (the udev rule says so): "
                 "start its array if every member is there, or with --degraded if enough "
                 "are, else wait (exit 0)")
      ->type_name("DEVICE");
  app.add_flag("--degraded", a.degraded,
               "Start an array with missing members, if its level allows");
  app.add_flag("--force", a.force,
               "Start a raid4/5/6 that was not stopped cleanly while a member was missing, "
               "failed or being rebuilt (the stripes being written then may hold wrong data)");
  app.add_flag("--dry-run", a.dry_run, "Show what would be assembled; change nothing");
  add_provider(app, a,
               "P2P memory provider of the assembled arrays: auto (the nearest published "
               "provider that reaches every member), a PCI address, or none");
}

int run_assemble(const Context& ctx) {
  return commands::assemble(env_of(ctx));
}

void setup_status(CLI::App& app, Options& o) {
  add_name(app, o.array, false);
}

int run_status(const Context& ctx) {
  return commands::status(env_of(ctx));
}

void setup_replace(CLI::App& app, Options& o) {
  auto& a = o.array;
  add_name(app, a, true);
  app.add_option("old", a.old_member,
                 "The member to replace: its data or metadata partition, its disk (by any path "
                 "or symlink, MAJOR:MINOR included) or its index")
      ->required()
      ->type_name("OLD");
  app.add_option("new", a.new_member,
                 "The new drive, a whole NVMe namespace (by any path or symlink, such as "
                 "/dev/disk/by-id/...)")
      ->required()
      ->type_name("NEW");
  add_safety(app, a, "NEW");
}

int run_replace(const Context& ctx) {
  return commands::replace(env_of(ctx));
}

void setup_named(CLI::App& app, Options& o) {
  add_name(app, o.array, true);
}

int run_check(const Context& ctx) {
  return commands::sync_action(env_of(ctx), "check");
}

int run_repair(const Context& ctx) {
  return commands::sync_action(env_of(ctx), "repair");
}

void add_member(CLI::App& app, commands::ArrayOptions& a) {
  app.add_option("member", a.member,
                 "The member's metadata partition (such as /dev/nvme0n1p1, by any path or "
                 "symlink), or an image file of one")
      ->required()
      ->type_name("MEMBER");
}

void setup_examine(CLI::App& app, Options& o) {
  add_member(app, o.array);
}

int run_examine(const Context& ctx) {
  return commands::examine(env_of(ctx));
}

void setup_wipe(CLI::App& app, Options& o) {
  auto& a = o.array;
  add_member(app, a);
  app.add_flag("--force", a.force,
               "Also clear the first 4 KiB of a device that holds no raid-p2p superblock (md or "
               "dm raid metadata, or none)");
  app.add_flag("-y,--yes", a.yes,
               "Wipe without asking (else a prompt on the terminal; without a terminal the "
               "command refuses)");
}

int run_wipe(const Context& ctx) {
  return commands::wipe(env_of(ctx));
}

void setup_mkconf(CLI::App& app, Options& o) {
  app.add_option("-o,--output-file", o.array.config_out,
                 "Write the config to FILE (a temporary file beside it, renamed over it) "
                 "instead of to stdout")
      ->type_name("FILE");
}

int run_mkconf(const Context& ctx) {
  return commands::mkconf(env_of(ctx));
}

void setup_monitor(CLI::App& app, Options& o) {
  auto& a = o.array;
  app.add_option("--program", a.program,
                 "Run PROGRAM on every event, with the event, the array and, for a member's "
                 "event, the member device as arguments (as mdadm --monitor --program)")
      ->type_name("PROGRAM");
  app.add_flag("-1,--oneshot", a.oneshot,
               "Look once: report degraded arrays and arrays short of spares, put in spares "
               "where the config says allocate, and exit");
  app.add_option("-d,--delay", a.delay_seconds,
                 "Look again after SECONDS without an event (for arrays that appear and spares "
                 "that turn up)")
      ->check(CLI::Range(1U, 86400U).description(""))
      ->type_name("SECONDS")
      ->default_str("60");
}

int run_monitor(const Context& ctx) {
  return commands::monitor(env_of(ctx));
}

struct Command {
  std::string_view name;
  std::string_view help;
  std::string_view details;  // shown by COMMAND --help and in the man page
  void (*setup)(CLI::App&, Options&);
  int (*run)(const Context&);
};

constexpr std::array<Command, 15> kCommands{{
    {"topology", "Show PCIe tree, NVMe drives, P2P providers and P2P distances",
     "Shows the PCIe tree from the host bridges to the NVMe controllers and P2P providers, the "
     "NVMe controllers and namespaces, the P2P memory providers (p2pmem) and the P2P distance "
     "of every provider to every NVMe controller, computed with the rules of the kernel's "
     "drivers/pci/p2pdma.c (Linux 6.12), with the reason for every unreachable pair.",
     setup_topology, run_topology},
    {"plan", "Choose members, their order and a P2P provider for an array",
     "Chooses the members (--devices, or --count with a --policy), their order and the P2P "
     "provider, explains why, and prints the plan with the raid-p2p table line. Refuses with "
     "the reason when there are not enough drives, the sizes differ by more than 10%, or the "
     "requested --provider cannot serve every member.",
     setup_plan, run_plan},
    {"table", "Print only the raid-p2p table line of a plan",
     "Plans as 'plan' does and prints only the table line, for "
     "dmsetup create NAME --table \"$(p2praid-tool table ...)\". Warnings go to stderr.",
     setup_plan, run_table},
    {"list", "List the raid-p2p arrays known to device-mapper",
     "Lists the device-mapper devices with a raid-p2p target: name, size, RAID type, members "
     "and P2P provider. Needs root.",
     setup_list, run_list},
    {"stop", "Stop (remove) a raid-p2p array",
     "Removes the device-mapper device NAME after checking that it is a raid-p2p array, and "
     "waits for udev. Needs root.",
     setup_stop, run_stop},
    {"create", "Lay out the members and start a new array",
     "Plans as 'plan --devices' does, then gives every member a GPT with two partitions: "
     "p2praid-meta:NAME (4 MiB at 1 MiB: superblock, and the write-intent bitmap at 4 KiB) and "
     "p2praid-data:NAME (the data, from 5 MiB). The partitions sit on the NVMe namespace "
     "itself, so the data devices keep the namespace's PCI P2PDMA support, which a "
     "device-mapper sub-device would lose. The metadata partitions are zeroed, so the target "
     "starts a new array (and resyncs redundant levels), and the array is started through "
     "device-mapper. The target makes up the array UUID and writes the superblocks when it "
     "starts the array; create then reads the UUID back and gives the device the "
     "device-mapper UUID P2PRAID-<array UUID>, as assemble does (with --metadata off, "
     "P2PRAID-<random UUID>). If the kernel refuses the table or the UUID cannot be set, "
     "the device is removed again. Members in use (sysfs holders, or mounted or open: they "
     "cannot be opened exclusively) are refused. Destroys the members' data: asks first unless "
     "-y, naming what libblkid finds on each member (a partition table, a filesystem and its "
     "label, another RAID's metadata), which -y names in a warning. "
     "Needs root and sfdisk.",
     setup_create, run_create},
    {"assemble", "Find arrays by their superblocks and start them",
     "Reads the first 512 bytes of every block device, partitions included, for raid-p2p "
     "superblocks, groups them by array UUID, orders them by member index and takes the "
     "freshest superblock (highest event count) as the array's. Members more than one event "
     "behind or marked failed, members that disagree on the geometry and second claimants of "
     "a member index are named and left out. An array with a missing member is refused, naming "
     "the member, unless --degraded. A raid4/5/6 that was not stopped cleanly while a member "
     "was missing, failed or being rebuilt is refused, naming the member: the stripes being "
     "written then may have parity that does not match their data, and the member would be "
     "rebuilt from it; --force starts it (table keyword start_dirty_degraded), rebuilds the "
     "member and then resyncs the dirty regions, whose data may be wrong. Arrays are named from "
     "their partition labels (a label "
     "whose name breaks the rule for array names, see MEMBER LAYOUT, is refused, naming the "
     "partition) and get the device-mapper UUID P2PRAID-<array UUID>; arrays already running are "
     "left alone. The tool's record on each member (see MEMBER LAYOUT) names a missing member's "
     "drive (by-id name and serial number, as recorded at create or replace) and gives the P2P "
     "provider chosen at create, which --provider auto takes where it still is (found by the "
     "serial number of the drive whose CMB it is, else by PCI address). Arrays created with "
     "--metadata off have no superblocks: they are found by their records, grouped by the "
     "record's id (their UUID), ordered by member index; of two claimants of an index the one "
     "with the newer record (more replaces) is taken; their table has no metadata devices. "
     "With a config file (--config, see FILES), only the devices its DEVICE lines match are "
     "read, and its ARRAY lines choose the arrays --scan starts, by UUID, and their names. "
     "--incremental DEVICE is what the udev rule 69-p2praid.rules runs for each partition "
     "labelled p2praid-meta: that appears, as mdadm --incremental: it reads DEVICE's "
     "superblock, or for an array created with --metadata off the tool's record on DEVICE "
     "(every member of such an array has its p2praid-meta: partition, which holds the "
     "record), and starts that array (as assemble NAME, with the config's ARRAY line for its "
     "UUID, if the config has ARRAY lines; an array without one is left alone) once every "
     "member is there; until then it reports the array as waiting and exits 0. The other "
     "members are found as by --scan (the devices the config's DEVICE lines match; for "
     "--metadata off, by the record's id). A device with neither a raid-p2p superblock nor "
     "a record of an array without metadata, such as a data partition, is no error: nothing "
     "is done. p2praid-degraded.timer runs 'assemble --scan --degraded' a minute "
     "after boot, for arrays whose members did not all come, with metadata or without. "
     "Needs root: a device it may not open is named, with the advice to run as root, rather "
     "than skipped.",
     setup_assemble, run_assemble},
    {"status", "Show health, sync progress and P2P counters of arrays",
     "For the array NAME, or every raid-p2p array: its state (healthy; degraded: a member "
     "failed, missing or being rebuilt, the data available; failed: too many members out of "
     "service for the level), health of every member (in_sync, syncing, "
     "failed, missing), sync progress and action, mismatches found by the last check, the "
     "event count, the P2P provider and the P2P counters the target reports (by name; a newer "
     "target's extra fields are ignored). The first resync of a new array, in which no member "
     "is in sync yet, counts as healthy. Exits 0 when every array shown is healthy, 1 when one "
     "is degraded, 2 when one has failed and 5 when one cannot be read, as mdadm --detail "
     "--test does (see EXIT STATUS). Needs root.",
     setup_status, run_status},
    {"replace", "Rebuild a member of an array on a new drive",
     "Lays out NEW as create does, with the array's member size, and reloads the array's table "
     "with NEW in OLD's slot and 'rebuild <index>', so that the target rebuilds it from the "
     "others. The new table is the live one, which still carries the 'rebuild' of an earlier "
     "replace: that one, and 'sync' or 'nosync', are dropped, so that only OLD's index is "
     "rebuilt. Before anything is written to NEW, replace refuses, naming the array and what to "
     "do: while a resync, rebuild, check or repair runs or another member is not in sync; when "
     "OLD is not a member; when NEW is not a whole disk, holds a member of this or another "
     "raid-p2p array (running, or stopped: a partition labelled p2praid-meta: or with a "
     "superblock), is in use (sysfs holders, or it cannot be opened exclusively: mounted or "
     "open) or is too small; and a rebuild that the target would refuse (a level without "
     "redundancy, too few other members in service; failed and missing members count as out "
     "of service). NEW gets the array's record with NEW's drive in OLD's slot, and so do the "
     "other members once the table is loaded. For an array without metadata the member size "
     "comes from the record. Destroys NEW's data: asks first unless -y, naming what libblkid "
     "finds on NEW (as create does). Needs root and sfdisk.",
     setup_replace, run_replace},
    {"check", "Start a check of an array's redundancy",
     "Sends 'check' to the array: the target reads all copies or parity and counts "
     "mismatches without changing anything; 'status' shows progress and the count.",
     setup_named, run_check},
    {"repair", "Start a repair of an array's redundancy",
     "Sends 'repair' to the array: as check, but rewrites mismatching copies or parity.",
     setup_named, run_repair},
    {"examine", "Print the raid-p2p superblock of one member",
     "Reads the first 4 KiB of MEMBER, a metadata partition (or an image file of one), and "
     "prints its raid-p2p superblock as mdadm --examine does: array UUID, RAID type, md level "
     "and layout, chunk size, member count and this member's index, event count, times, "
     "flags (dirty), the members it marks failed, sizes and offsets. A device without a "
     "raid-p2p superblock (md or dm raid metadata, or none) or with a corrupt one is "
     "refused, naming it. Reads only; needs root for block devices.",
     setup_examine, run_examine},
    {"wipe", "Clear the raid-p2p superblock of one member",
     "Zeroes the first 4 KiB of MEMBER, which holds its raid-p2p superblock, as mdadm "
     "--zero-superblock does, so that assemble no longer takes it for a member (the tool's "
     "record and the partitions stay). Refuses a device without a raid-p2p superblock (a "
     "corrupt one counts as one) unless --force, and a member of a running array (named in "
     "its table, or open: mounted or held). Asks first unless -y; without a terminal it "
     "refuses. Needs root for block devices.",
     setup_wipe, run_wipe},
    {"mkconf", "Print a config file for the running arrays",
     "Prints a config file (see FILES) that makes 'assemble --scan' start the raid-p2p "
     "arrays that run now, and only those, under their names: a DEVICE partitions line (every "
     "block device is read, so that a drive that replaces a member is found too) and an ARRAY "
     "line with the name, UUID and level of each array that p2praid-tool started (its "
     "device-mapper UUID is P2PRAID-<array UUID>); others are named on stderr and left out. "
     "As mdadm --detail --scan >> mdadm.conf: p2praid-tool mkconf -o /etc/p2praid.conf. "
     "Needs root.",
     setup_mkconf, run_mkconf},
    {"monitor", "Watch the arrays; put in spares for failed members",
     "Waits for device-mapper events (DM_DEV_ARM_POLL) and looks at every raid-p2p array "
     "when one comes, and at least every --delay seconds. It prints one line per event, "
     "'EVENT ARRAY [MEMBER]: what happened', with mdadm --monitor's event names: NewArray, "
     "DeviceDisappeared, DegradedArray (at the first look, or for a new array that is "
     "degraded), Fail (a member failed or went missing), RebuildStarted and RebuildFinished (a "
     "resync, rebuild or reshape), SpareActive (a rebuilt member is in sync), MoveSpare (a "
     "spare was put in) and SparesMissing (a member is out of service and no spare can be put "
     "in, or an array has fewer spares than its ARRAY line's spares= asks for); --program runs "
     "on each. With a config file whose POLICY action=allocate covers the "
     "array (the POLICY of the spare-group of its ARRAY line, or a POLICY without a "
     "spare-group for an array without one), a failed or missing member is replaced as "
     "'replace' does, once the array is idle, on a spare: a whole NVMe namespace that the "
     "POLICY's path globs match, that is blank (no partitions, its first 128 KiB zero), in no "
     "array, unused and large enough. Of several, the one nearest in P2P distance to the "
     "members in service is taken, then the first by name. A member without a spare is "
     "reported once as SparesMissing and a spare looked for again at every look; when putting "
     "one in fails, that is reported as SparesMissing and no other spare is tried until the "
     "member is back in service. An array whose ARRAY line says spares=N (N above 0) should "
     "have N such spares available, from the POLICY action=allocate that covers it (with no "
     "such POLICY, it has none). They are counted at every look, after spares are put in (a "
     "spare put in is a member, no longer a spare). When fewer than N are available, the "
     "array is reported as SparesMissing, without a member: once when monitor first sees the "
     "shortfall (at the first look, or when the array appears), and again only after the "
     "count has reached N and then dropped below it. Runs until SIGTERM, SIGINT or SIGHUP, "
     "then exits 0; the systemd unit "
     "p2praid-monitor.service runs it. Needs root and, to put in spares, sfdisk.",
     setup_monitor, run_monitor},
}};

// --- running ----------------------------------------------------------------

constexpr std::string_view kDescription =
    "p2praid-tool plans and manages raid-p2p arrays: device-mapper RAID over NVMe drives "
    "that moves data peer-to-peer through a drive's controller memory buffer (CMB) or other "
    "PCI P2P memory.";

int usage_status(int cli11_status) {
  return cli11_status == 0 ? 0 : static_cast<int>(ExitCode::Usage);
}

std::string failure_message(const CLI::App* app, const CLI::Error& e) {
  return "p2praid-tool: error: " + parse_error_message(*app, e) +
         "\nRun 'p2praid-tool --help' or 'p2praid-tool COMMAND --help' for usage.\n";
}

struct Parsed {
  CLI::App app{std::string(kDescription), "p2praid-tool"};
  Options options;
  std::vector<std::pair<CLI::App*, const Command*>> commands;
};

void build(Parsed& p) {
  p.app.failure_message(failure_message);
  p.app.fallthrough();
  p.app.require_subcommand(0, 1);
  add_global_options(p.app, p.options.global);
  for (const auto& cmd : kCommands) {
    auto* sub = p.app.add_subcommand(std::string(cmd.name), std::string(cmd.help));
    sub->footer(std::string(cmd.details));
    cmd.setup(*sub, p.options);
    p.commands.emplace_back(sub, &cmd);
  }
}

// --- documentation from the option definitions ---------------------------

docs::OptionDoc describe(const CLI::Option& o) {
  docs::OptionDoc d;
  for (const auto& s : o.get_snames()) d.names.push_back("-" + s);
  for (const auto& l : o.get_lnames()) d.names.push_back("--" + l);
  if (o.get_type_size() != 0) {  // not a flag
    d.metavar = o.get_type_name();
    if (o.get_items_expected_max() > 1) d.metavar += "...";
    d.default_value = o.get_default_str();
  }
  d.help = o.get_description();
  d.required = o.get_required();
  return d;
}

std::vector<docs::OptionDoc> describe_options(const CLI::App& app) {
  std::vector<docs::OptionDoc> out;
  for (const auto* o : app.get_options()) {
    if (!o->get_group().empty()) out.push_back(describe(*o));  // hidden ones have no group
  }
  return out;
}

docs::CommandLineDoc describe(const Parsed& p) {
  docs::CommandLineDoc doc;
  doc.description = p.app.get_description();
  doc.global_options = describe_options(p.app);
  for (const auto& [app, cmd] : p.commands) {
    doc.commands.push_back({std::string(cmd->name), std::string(cmd->help),
                            std::string(cmd->details), describe_options(*app)});
  }
  return doc;
}

// The output format of --reportformat, or of its old spellings --output
// and -o json|normal (with a note).
output::Format report_format(const GlobalOptions& g, const Log& log) {
  std::string format = g.format;
  const bool old_o = g.fields == "json" || g.fields == "normal";
  for (const auto& [given, name] : {std::pair{g.output_format, "--output"},
                                    std::pair{old_o ? g.fields : std::string(), "-o"}}) {
    if (given.empty()) continue;
    const std::string basic = given == "normal" ? "basic" : given;
    if (!format.empty() && format != basic) {
      std::string msg = name;
      msg.append(" ").append(given).append(" and --reportformat ").append(format);
      throw UsageError(msg.append(" disagree; give --reportformat alone"));
    }
    format = basic;
    if (std::string(name) == "-o") {
      std::string msg = "-o " + given;
      msg.append(" is deprecated; use --reportformat ").append(basic);
      log.warn(msg.append(" (-o now selects report fields, as lvm's)"));
    }
  }
  return format == "json" ? output::Format::Json : output::Format::Normal;
}

// The text and field options, with -o's fields checked against `command`'s.
output::Options printer_options(const GlobalOptions& g, const std::string& command) {
  output::Options o{g.quiet, g.verbosity, !g.noheadings, g.separator, {}};
  if (g.fields.empty() || g.fields == "json" || g.fields == "normal") return o;
  const auto columns = reports::field_columns(command);
  if (columns.empty()) {
    std::string names;
    const auto commands = reports::report_commands();
    for (std::size_t i = 0; i < commands.size(); ++i) {
      names += std::string(i == 0                     ? ""
                           : i + 1 == commands.size() ? " and "
                                                      : ", ") +
               std::string(commands[i]);
    }
    throw UsageError(command + ": -o selects the fields of " + names + " only");
  }
  o.fields = fields::resolve(g.fields, columns, command);
  return o;
}

// The tool's version, and the raid-p2p target's as the kernel lists the
// loaded targets ('dmsetup targets').
void print_version(std::ostream& out, const Log& log, const Services& services) {
  out << "p2praid-tool " << kVersion << '\n';
  const std::string type(dm::kTargetType);
  try {
    const auto targets = services.dm(log)->target_versions();
    const auto it = std::find_if(targets.begin(), targets.end(),
                                 [&](const dm::TargetVersion& t) { return t.name == type; });
    out << type << " target: " << (it != targets.end() ? it->version() : "not loaded") << '\n';
  } catch (const CommandError& e) {
    out << type << " target: unknown\n";
    log.warn(e.what());
  }
}

int dispatch(const Parsed& p, std::ostream& out, std::ostream& err, const Services& services) {
  const auto& g = p.options.global;
  if (g.man) {
    out << docs::man_page(describe(p));
    return 0;
  }
  if (g.completion) {
    out << docs::bash_completion(describe(p));
    return 0;
  }
  if (g.version) {
    const Log log(err, g.verbosity, g.quiet);
    print_version(out, log, services);
    return 0;
  }
  const auto it = std::find_if(p.commands.begin(), p.commands.end(),
                               [](const auto& c) { return c.first->parsed(); });
  if (it == p.commands.end()) {
    throw UsageError(
        "a command is required: topology, plan, table, list, stop, create, assemble, status, "
        "replace, check, repair, examine, wipe, mkconf or monitor");
  }
  const Log log(err, g.verbosity, g.quiet);
  const auto printer =
      output::make_printer(report_format(g, log), printer_options(g, it->first->get_name()));
  const Context ctx{p.options, out, log, services, *printer};
  return it->second->run(ctx);
}

bool ask_on_terminal(const std::string& question) {
  if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDERR_FILENO) == 0) {
    throw CommandError(question + " There is no terminal to ask on; pass -y to confirm");
  }
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

std::string random_uuid() {
  std::ifstream in("/proc/sys/kernel/random/uuid");
  std::string uuid;
  if (!std::getline(in, uuid) || uuid.empty()) {
    throw CommandError("/proc/sys/kernel/random/uuid: cannot read a UUID; is /proc mounted?");
  }
  return uuid;
}

}  // namespace

Services system_services() {
  Services s;
  s.sysfs = [](const std::filesystem::path& root) {
    return std::make_unique<sysfs::FsReader>(root);
  };
  s.dm = [](const Log& log) {
    return dm::make_libdm_client([&log](int level, const std::string& message) {
      constexpr int kLibdmDebug = 7;
      if (level >= kLibdmDebug) {
        log.debug("libdevmapper: " + message);
      } else {
        log.info("libdevmapper: " + message);
      }
    });
  };
  s.devices = [](const std::filesystem::path& root) {
    std::error_code ec;
    const bool live = std::filesystem::equivalent(root, "/sys", ec);
    return blk::make_system_devices(std::make_unique<sysfs::FsReader>(root), live);
  };
  s.confirm = ask_on_terminal;
  s.new_uuid = random_uuid;
  s.default_config = config::kDefaultPath;
  s.lock_file = "/run/p2praid/lock";
  return s;
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Services& services) {
  try {
    Parsed p;
    build(p);
    std::vector<const char*> argv{"p2praid-tool"};
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      p.app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return usage_status(p.app.exit(e, out, err));
    }
    return dispatch(p, out, err, services);
  } catch (const Error& e) {
    err << "p2praid-tool: error: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    // Commands turn what they expect into an Error with a full message;
    // anything else is a bug, not a message for the user.
    err << "p2praid-tool: error: internal error (" << e.what()
        << "); this is a bug in p2praid-tool, please report it\n";
    return static_cast<int>(ExitCode::Failed);
  } catch (...) {
    err << "p2praid-tool: error: unexpected failure\n";
    return static_cast<int>(ExitCode::Failed);
  }
}

}  // namespace p2praid::cli
