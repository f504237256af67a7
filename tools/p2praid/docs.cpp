// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/docs.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string_view>
#include <vector>

#include "p2praid/config.hpp"
#include "p2praid/p2p.hpp"
#include "p2praid/planner.hpp"
#include "p2praid/raid_level.hpp"
#include "p2praid/reports.hpp"
#include "p2praid/size.hpp"
#include "p2praid/sysfs.hpp"
#include "p2praid/topology.hpp"
#include "p2praid/version.hpp"

namespace p2praid::docs {
namespace {

// --- roff -------------------------------------------------------------------

std::string roff(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

std::string bold(std::string_view text) {
  return "\\fB" + roff(text) + "\\fR";
}
std::string italic(std::string_view text) {
  return "\\fI" + roff(text) + "\\fR";
}

bool is_help(const OptionDoc& o) {
  return o.names == std::vector<std::string>{"-h", "--help"};
}

std::string option_label(const OptionDoc& o) {
  if (o.names.empty()) return italic(o.metavar);
  std::string label;
  for (const auto& n : o.names) label += (label.empty() ? "" : ", ") + bold(n);
  if (!o.metavar.empty()) label += " " + italic(o.metavar);
  return label;
}

void option_items(const std::vector<OptionDoc>& options, std::ostream& out) {
  for (const auto& o : options) {
    out << ".TP\n" << option_label(o) << "\n" << roff(o.help);
    if (!o.default_value.empty()) out << " (default: " << roff(o.default_value) << ")";
    out << ".\n";
  }
}

std::string synopsis_item(const OptionDoc& o) {
  std::string item = o.names.empty() ? italic(o.metavar) : bold(o.names.back());
  if (!o.names.empty() && !o.metavar.empty()) item += " " + italic(o.metavar);
  return o.required ? item : "[" + item + "]";
}

void synopsis(const CommandLineDoc& doc, std::ostream& out) {
  out << ".SH SYNOPSIS\n"
      << bold("p2praid-tool") << " [" << italic("global options") << "] " << italic("command")
      << " [" << italic("options") << "]\n";
  for (const auto& cmd : doc.commands) {
    out << ".br\n" << bold("p2praid-tool " + cmd.name);
    for (const auto& o : cmd.options) {
      if (!is_help(o)) out << " " << synopsis_item(o);
    }
    out << "\n";
  }
}

void command_sections(const CommandLineDoc& doc, std::ostream& out) {
  out << ".SH COMMANDS\n";
  for (const auto& cmd : doc.commands) {
    out << ".SS " << bold(cmd.name) << "\n"
        << roff(cmd.help) << ".\n.PP\n"
        << roff(cmd.details) << "\n";
    option_items(cmd.options, out);
  }
}

void prose(std::ostream& out, std::string_view section,
           std::initializer_list<std::string_view> paras) {
  out << ".SH " << section << "\n";
  bool first = true;
  for (const auto p : paras) {
    if (!first) out << ".PP\n";
    out << roff(p) << "\n";
    first = false;
  }
}

// "topology (its NVMe namespaces): name, device, ...; list: ..."
std::string report_fields() {
  std::string out;
  for (const auto command : reports::report_commands()) {
    std::string fields;
    for (const auto& c : reports::field_columns(command)) {
      fields += (fields.empty() ? "" : ", ") + c.key;
    }
    if (!out.empty()) out += "; ";
    out += std::string(command) + (command == "topology" ? " (its NVMe namespaces)" : "") + ": " +
           fields;
  }
  return out + ".";
}

void levels_section(std::ostream& out) {
  out << ".SH RAID LEVELS\n";
  for (const auto& level : raid::levels()) {
    out << ".TP\n"
        << bold(level.name) << "\n"
        << roff(level.description) << "; at least " << level.min_members
        << (level.min_members == 1 ? " member" : " members") << ".\n";
  }
  out << ".PP\n"
      << roff(
             "raid5 means raid5_ls and raid6 means raid6_zr. raid10 uses the near layout with 2 "
             "copies. The mainline dm-raid constructor only asks for more members than parity "
             "devices (raid0 1, raid4 and raid5 2, raid6 3); p2praid-tool asks for more, as a "
             "one-member raid0 is a linear device and a two-member raid4 or raid5 a slow mirror.")
      << "\n.PP\n"
      << roff("An array has at most " + std::to_string(raid::kMaxMembers) +
              " members, md's limit, which raid-p2p keeps: --count and --devices refuse more. "
              "Chunks are powers of two from 4 KiB to " +
              units::format_size(plan::kMaxChunkBytes) +
              " (2^21 sectors, the largest the target takes). A member, or an array, larger "
              "than a block device can be (2^63 - 1 bytes) is refused.")
      << "\n";
}

void p2p_section(std::ostream& out) {
  prose(out, "P2P DISTANCES",
        {"The distance of a provider to a client follows calc_map_type_and_dist() of Linux "
         "6.12: the number of hops from each device up to their nearest common upstream bridge "
         "(0 for the same function, 4 for two endpoints below one switch). The pair is "
         "reachable through that bridge unless a port on the path has ACS P2P redirect set "
         "(RR, CR or EC in the ACS control register, read from the sysfs config file; reading "
         "the extended config space needs root). With ACS redirect, or without a common "
         "upstream bridge, traffic goes through the host bridge, which the kernel allows only "
         "on AMD Zen or newer CPUs (from /sys/devices/system/cpu/modalias) or when the host "
         "bridge's 00.0 function (or first root port) is in the P2PDMA whitelist:"});
  for (const auto& e : p2p::host_bridge_whitelist()) {
    out << ".br\n"
        << roff(topo::vendor_device(e.vendor, e.device))
        << (e.same_host_bridge_only ? roff(" (same host bridge only)") : "") << "\n";
  }
  out << ".PP\n" << roff("The QEMU q35 host bridge, 8086:29c0, is not whitelisted.") << "\n";
}

void table_section(std::ostream& out) {
  prose(out, "TABLE FORMAT",
        {"The table is one line in the syntax of the mainline dm raid target plus the "
         "p2p_provider parameter: 0 LEN raid-p2p RAID_TYPE #RAID_PARAMS CHUNK_SECTORS "
         "[raid10_copies 2 raid10_format near] p2p_provider BDF|auto|none #RAID_DEVS META0 DATA0 "
         "... As in mainline, the chunk size (in 512-byte sectors) is the first raid parameter "
         "and is 0 for raid1 and linear; #RAID_PARAMS counts words. plan and table give no "
         "metadata devices (-); create gives each member its metadata partition.",
         "LEN is the usable size in sectors, from the smallest member rounded down to a chunk "
         "multiple for striped levels: linear the sum, raid0 n*min, raid1 min, raid10 "
         "n*min/2, raid4 and raid5 (n-1)*min, raid6 (n-2)*min.",
         "The P2P provider needs one chunk (64 KiB for levels without chunks) of free P2P "
         "memory per member.",
         "With --provider auto (the default), an array that gets no provider runs without P2P "
         "(p2p_provider none), and plan, table and create warn, saying why: on stderr, and in "
         "the warnings array of the JSON output of plan and table. When P2P memory is all that "
         "is missing, the warning names the provider with the most free and the largest "
         "--chunk that fits it. --provider none asks for no P2P and so gives no warning; "
         "--provider BDF insists on that provider, and the plan is refused, with the reason, "
         "if it cannot serve every member."});
  // The names in tables: a paragraph of its own (one initializer list of
  // many long literals reads as a missing comma to clang-tidy).
  out << ".PP\n"
      << roff(
             "Device names: device-mapper takes any path to a block device, or MAJOR:MINOR, and "
             "turns it into MAJOR:MINOR when it loads the table (dmsetup table shows those). The "
             "tables that p2praid-tool writes (plan, table, create, assemble, replace) name each "
             "device by its /dev/disk/by-id link where udev made one: for partitions udev's "
             "<disk link>-partN. Of a drive's links the one made from the model and serial number "
             "is taken, the longest (with the namespace id, where udev adds it), else an EUI-64, "
             "NGUID or UUID one. Such a name stays with the drive across reboots and slot changes; "
             "/dev/nvmeXnY and MAJOR:MINOR are given out in probe order and may name another drive "
             "after a reboot. Without a by-id link (or with --major-minor) the table names "
             "/dev/NAME or MAJOR:MINOR. Every command takes devices by any path or symlink to them "
             "(resolved with realpath, and refused unless a block device).")
      << "\n";
}

// /etc/p2praid.conf: what each line says.
void config_file(std::ostream& out) {
  out << ".TP\n.I " << roff(config::kDefaultPath) << "\n"
      << roff(
             "The config file (or the FILE given to --config): which arrays 'assemble --scan' "
             "starts, under which names, and which block devices it reads, as mdadm.conf "
             "does for mdadm. Without it (a missing default file is no error) assemble starts "
             "every array it finds. 'p2praid-tool mkconf -o /etc/p2praid.conf' writes one for "
             "the running arrays. A line is a keyword and its words, separated by blanks; '#' "
             "at the start of a word starts a comment that ends with the line; a line that "
             "starts with blanks continues the line before. Keywords and keys are "
             "case-insensitive, values are not. The keywords:")
      << "\n";
  const std::initializer_list<std::pair<std::string_view, std::string_view>> lines{
      {"DEVICE GLOB...",
       "The block devices assemble reads: those whose /dev path, whose disk's /dev path, or a "
       "/dev/disk/by-id link to either matches one of the shell globs (fnmatch(3) with "
       "FNM_PATHNAME: * does not match /), such as /dev/nvme* or "
       "/dev/disk/by-id/nvme-Vendor_*. The word partitions, as in mdadm.conf, matches every "
       "block device. DEVICE lines add up; without one, every block device is read."},
      {"ARRAY NAME uuid=UUID [level=LEVEL] [devices=GLOB[,GLOB...]] [spares=N] "
       "[spare-group=GROUP]",
       "An array for assemble, by its array UUID (as examine and mkconf print it, 8-4-4-4-12 "
       "hex digits; mdadm's 8:8:8:8 is taken too), started as NAME whatever its partition "
       "labels say (a difference is a warning). With ARRAY lines, assemble --scan starts only "
       "the arrays they name, and assemble NAME takes the UUID of NAME's line; members "
       "labelled NAME that have another UUID are named and left alone. An ARRAY line whose "
       "array is not found, or whose level= is not the members' level, fails assemble (exit "
       "5) after the other arrays are started. devices= leaves out the members none of its "
       "globs match (as DEVICE does). spare-group= names the POLICY pool that monitor takes "
       "the array's spares from. spares= (0 to 253) is how many spares the array should have: "
       "monitor reports SparesMissing for the array when fewer spares of its pool are "
       "available (see monitor); without spares=, or with spares=0, monitor does not count "
       "them."},
      {"POLICY action=none|allocate [spare-group=GROUP] [path=GLOB[,GLOB...]]",
       "What monitor may do with spare drives: none, nothing; allocate, put a spare of the "
       "pool spare-group in for a failed or missing member of an array of that spare-group (a "
       "POLICY without spare-group serves the arrays without one). path= limits the pool to "
       "the devices its globs match; a spare must also be blank (see monitor). GROUP is 1 to "
       "32 letters, digits, '.', '_' or '-', not starting with '-'."}};
  for (const auto& [syntax, text] : lines) {
    out << ".TP\n" << bold(syntax) << "\n" << roff(text) << "\n";
  }
  out << ".PP\n"
      << roff(
             "A line p2praid-tool does not understand (an unknown keyword or key, a bad value, "
             "a key given twice, a second ARRAY line with the same name or UUID) is refused "
             "with exit status 3, naming the file and the line and what is wrong; so is a "
             "--config FILE that does not exist. An example:")
      << "\n.PP\n.nf\n"
      << roff("# raid-p2p arrays for 'p2praid-tool assemble --scan'") << "\n"
      << roff("DEVICE /dev/nvme*") << "\n"
      << roff("ARRAY r1 uuid=3aaa0122-2982-7cfa-5331-ad66ca767371 level=raid1") << "\n"
      << roff("ARRAY r5 uuid=0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15 level=raid5") << "\n"
      << roff("    spares=1 spare-group=pool0") << "\n"
      << roff("POLICY action=allocate spare-group=pool0 path=/dev/disk/by-id/nvme-*") << "\n"
      << ".fi\n";
}

void files_section(std::ostream& out) {
  out << ".SH FILES\n";
  config_file(out);
  out << ".PP\n" << roff("p2praid-tool reads, below the sysfs root (--sysfs-root):") << "\n";
  for (const std::string_view f :
       {"/bus/pci/devices/*: class, vendor, device, config, p2pmem/{size,available,published}",
        "/class/nvme/nvme*: model, serial, firmware_rev, device",
        "/class/nvme-subsystem/nvme-subsys*/ (multipath controllers)",
        "/class/block/*: size, dev, device, partition, uevent (PARTNAME), holders",
        "/devices/system/cpu/modalias"}) {
    out << ".TP\n.I " << roff(f) << "\n";
  }
  out << ".PP\n"
      << roff(
             "Links are followed as long as they resolve inside the sysfs root, as sysfs's own "
             "relative links do. A file that resolves outside it, is not a regular file (a "
             "FIFO, a device) or holds more than " +
             std::to_string(sysfs::kMaxFileSize / units::kKiB) +
             " KiB (a sysfs attribute holds at most a page, a PCI config file 4 KiB) fails the "
             "command with a message naming the file. So does a number that is not one, in "
             "full (\"42x\", \"\"), or is out of range for its file (a vendor ID above 0xffff, "
             "a block device size above 2^63 - 1 bytes).")
      << "\n";
}

void layout_section(std::ostream& out) {
  prose(out, "MEMBER LAYOUT",
        {"create gives every member a GPT partition table (written by sfdisk) with two "
         "partitions of type Linux RAID: 1, p2praid-meta:NAME, 4 MiB from 1 MiB, holding the "
         "raid-p2p superblock at its start and the md write-intent bitmap from 4 KiB; 2, "
         "p2praid-data:NAME, from 5 MiB, the member's data (--size, or all that fits before the "
         "last MiB, which the backup GPT uses). NAME is 1 to 23 letters, digits, '.', '_' or '-', "
         "not starting with '-': GPT names are short, and device-mapper names must be under "
         "128 bytes, without '/', printable. assemble holds names read from labels to the same "
         "rule as names typed on the command line and refuses a label that breaks it, naming "
         "the partition.",
         "Why partitions: P2P DMA needs a request queue that advertises PCI P2PDMA. A partition "
         "shares the NVMe namespace's queue, so it does; a device-mapper sub-device (as LVM's "
         "rmeta/rimage dm-linear volumes) does not on Linux 6.12, and every P2P transfer to it "
         "would have to bounce through host memory.",
         "assemble finds members by the superblock at the start of any block device and takes "
         "the data partition labelled p2praid-data:NAME on the same disk; the label also names "
         "the array.",
         "The tool's record: the last 64 KiB of each metadata partition hold what create knew "
         "and the superblock, whose format the kernel target owns, does not: a text header "
         "'p2praid-record 1' with the CRC-32C of the body, then key=value lines: the array's "
         "name, a random id, whether it has metadata, its raid type and parameters, length and "
         "member size, this member's index, the P2P provider chosen at create (PCI address, "
         "and the serial number of the NVMe drive whose CMB it is) and every member's drive "
         "(its /dev/disk/by-id name and serial number); replace writes the next generation of "
         "it. The target never reads or writes there: its superblock takes the first logical "
         "block, and the write-intent bitmap from 4 KiB needs at most 256 KiB and a page, as "
         "the target makes bitmap regions at least 1/2^21 of the array; without metadata "
         "devices it does not open the partition at all. Superblocks are unchanged: the kernel "
         "zeroes a superblock's reserved bytes whenever it writes one, so they could hold "
         "nothing of the tool's."});
}

void output_section(std::ostream& out) {
  const std::string text =
      "Text output (--reportformat basic) shows the strings it gets from sysfs and "
      "device-mapper (models, serial numbers, names) as printable UTF-8: a control character as "
      "\\xHH (ESC as \\x1b, a newline as \\x0a), another character a terminal does not print "
      "(a C1 control such as U+009B, an unassigned code point) as \\uHHHH (\\UHHHHHHHH above "
      "U+FFFF), a backslash as \\\\, and each byte that is not part of valid UTF-8 as U+FFFD, "
      "the replacement character. Columns are aligned by the width a terminal gives the "
      "text: two columns for East Asian wide characters, none for combining marks.";
  const std::string json =
      "JSON output (--reportformat json) escapes control characters as RFC 8259 requires "
      "and replaces bytes that are not valid UTF-8 with U+FFFD, so it is valid JSON whatever "
      "sysfs holds.";
  const std::string options =
      "Report options, as lvm's: -o FIELD[,FIELD...] shows only the table of the command "
      "below, with those columns in that order and without its title, in text and JSON; "
      "-o +FIELD[,...] shows the default columns and then those (a column that only JSON "
      "shows by default, such as list's table, shows in text too when named). "
      "--noheadings leaves out titles, column headings and '(none)'; --separator STR joins "
      "the columns with STR instead of aligning them. The fields:";
  const std::string old =
      "-o used to choose the output format (-o normal, -o json, also --output). -o json "
      "and -o normal still do, with a note on stderr, as no field has those names, and "
      "--output FORMAT stays as an alias of --reportformat; both are deprecated. A -o that "
      "names fields on a command without a report, or an unknown field, is refused (exit "
      "3) with the valid fields.";
  prose(out, "OUTPUT", {text, json, options, report_fields(), old});
}

void exit_status_section(std::ostream& out) {
  out << ".SH EXIT STATUS\n.TP\n.B 0\nSuccess; for status, every array shown is healthy.\n"
      << ".TP\n.B 1\n"
      << roff(
             "status only: an array is degraded (a member failed, missing or being rebuilt) "
             "and its data is available.")
      << "\n.TP\n.B 2\n"
      << roff(
             "status only: an array has failed: too many members are out of service for its "
             "level, and its data is not available.")
      << "\n.TP\n.B 3\n"
      << roff("Bad command line (unknown option, bad value, missing argument).") << "\n.TP\n.B 5\n"
      << roff(
             "The command failed or refused (unknown device, not enough drives, ...); for "
             "status, an array's table or status could not be read (the others are shown).")
      << "\n"
      << roff(
             "status with several arrays exits with the worst: 5, then 2, then 1. The codes "
             "follow mdadm --detail --test (1 degraded, 2 failed), with 5, the tool's code "
             "of failure, where mdadm says 4.")
      << "\n";
}

}  // namespace

std::string man_page(const CommandLineDoc& doc) {
  std::ostringstream out;
  out << R"(.\" Generated by 'p2praid-tool --man' from its option definitions; do not edit.)"
      << '\n'
      << R"(.\" Regenerate with: cmake --build BUILD --target p2praid-tool-docs)" << '\n'
      << R"(.TH P2PRAID\-TOOL 8 "" "p2praid-tool )" << kVersion << R"(" "System Administration")"
      << '\n'
      << R"(.SH NAME)" << '\n'
      << R"(p2praid\-tool \- plan and manage dm raid\-p2p arrays)" << '\n';
  synopsis(doc, out);
  prose(out, "DESCRIPTION",
        {doc.description,
         "Commands read sysfs and never change it. topology, plan and table only print; the "
         "other commands use device-mapper or the block devices and need root. create and "
         "replace destroy the data on the drives they are given, after a prompt or with -y."});
  out << ".SH GLOBAL OPTIONS\n" << roff("Global options may also follow the command.") << "\n";
  option_items(doc.global_options, out);
  command_sections(doc, out);
  levels_section(out);
  prose(out, "SIZES", {std::string("Sizes are ") + std::string(units::kSizeSyntax) + "."});
  table_section(out);
  layout_section(out);
  p2p_section(out);
  output_section(out);
  exit_status_section(out);
  files_section(out);
  out << ".SH EXAMPLES\n.nf\n"
      << roff("p2praid-tool topology") << "\n"
      << roff("p2praid-tool plan --level raid5 --count 3") << "\n"
      << roff("p2praid-tool plan --level raid10 --count 4 --policy spread --reportformat json")
      << "\n"
      << roff("p2praid-tool list -o name,size,raid_type --noheadings --separator :") << "\n"
      << roff("dmsetup create r0 --table \"$(p2praid-tool table --level raid1 --count 2)\"") << "\n"
      << roff("p2praid-tool create r1 --level raid1 /dev/nvme0n1 /dev/nvme1n1") << "\n"
      << roff("p2praid-tool status r1") << "\n"
      << roff("p2praid-tool stop r1") << "\n"
      << roff("p2praid-tool assemble --scan") << "\n"
      << roff("p2praid-tool mkconf -o /etc/p2praid.conf") << "\n"
      << roff("p2praid-tool --config /etc/p2praid.conf assemble --scan --dry-run") << "\n"
      << roff("p2praid-tool replace r1 /dev/nvme1n1 /dev/nvme2n1") << "\n"
      << roff("p2praid-tool list") << "\n.fi\n"
      << ".SH SEE ALSO\n.BR dm\\-raid\\-p2p (7),\n.BR dmsetup (8),\n.BR sfdisk (8),\n.BR lvmraid "
         "(7),\n.BR nvme (1)\n";
  return out.str();
}

namespace {

// --- bash completion ----------------------------------------------------------

// Shell code that completes the value of an option with this metavar.
std::string value_completer(const std::string& meta) {
  if (meta == "DIR") return R"(COMPREPLY=($(compgen -d -- "$cur")))";
  if (meta == "FILE" || meta == "PROGRAM") return R"(COMPREPLY=($(compgen -f -- "$cur")))";
  if (meta.starts_with("DEV")) return R"(COMPREPLY=($(compgen -G "/dev/nvme*n*" -- "$cur")))";
  if (meta == "LEVEL") {
    std::string names;
    for (const auto& n : raid::level_names()) names += (names.empty() ? "" : " ") + n;
    return R"(COMPREPLY=($(compgen -W ")" + names + R"(" -- "$cur")))";
  }
  std::string words;
  std::string extra;
  std::istringstream in(meta);
  for (std::string token; std::getline(in, token, '|');) {
    const bool placeholder = std::all_of(token.begin(), token.end(), [](unsigned char c) {
      return std::isupper(c) != 0 || c == '.' || c == ',' || c == '[' || c == ']';
    });
    if (token == "BDF") extra = " $(_p2praid_tool_providers)";
    if (!placeholder) words += (words.empty() ? "" : " ") + token;
  }
  if (words.empty() && extra.empty()) return {};  // a free value: nothing to offer
  return R"(COMPREPLY=($(compgen -W ")" + words + extra + R"(" -- "$cur")))";
}

std::string option_words(const std::vector<OptionDoc>& options) {
  std::string words;
  for (const auto& o : options) {
    for (const auto& n : o.names) words += (words.empty() ? "" : " ") + n;
  }
  return words;
}

void value_cases(const std::vector<OptionDoc>& options, std::vector<std::string>& done,
                 std::ostream& out) {
  for (const auto& o : options) {
    if (o.metavar.empty() || o.names.empty()) continue;
    std::string pattern;
    for (const auto& n : o.names) pattern += (pattern.empty() ? "" : "|") + n;
    if (std::find(done.begin(), done.end(), pattern) != done.end()) continue;
    done.push_back(pattern);
    const std::string completer = value_completer(o.metavar);
    out << "\t" << pattern << ")\n";
    if (!completer.empty()) out << "\t\t" << completer << "\n";
    out << "\t\treturn ;;\n";
  }
}

// Values of command options that share a name with a global option (mkconf
// -o, global -o): for that command only, before the global's case, which
// bash still tries (;;&) for the other commands.
void shadowing_cases(const CommandLineDoc& doc, std::vector<std::string>& done, std::ostream& out) {
  std::vector<std::string> global;
  for (const auto& o : doc.global_options)
    global.insert(global.end(), o.names.begin(), o.names.end());
  for (const auto& cmd : doc.commands) {
    for (const auto& o : cmd.options) {
      if (o.metavar.empty() || std::none_of(o.names.begin(), o.names.end(), [&](const auto& n) {
            return std::find(global.begin(), global.end(), n) != global.end();
          })) {
        continue;
      }
      std::string pattern;
      for (const auto& n : o.names) pattern += (pattern.empty() ? "" : "|") + n;
      done.push_back(pattern);
      out << "\t" << pattern << ")\n\t\tif [[ $cmd == " << cmd.name << " ]]; then\n";
      const std::string completer = value_completer(o.metavar);
      if (!completer.empty()) out << "\t\t\t" << completer << "\n";
      out << "\t\t\treturn\n\t\tfi ;;&\n";
    }
  }
}

// Shell code that completes a positional argument with this metavar, of
// command `cmd`; "" for a free value.
std::string positional_completer(const std::string& cmd, const std::string& meta) {
  if (meta == "NAME") {
    if (cmd == "create") return {};  // a new name
    if (cmd == "assemble") {         // a stopped array: the names on partition labels
      return R"sh(COMPREPLY=($(compgen -W "$(_p2praid_tool_labels)" -- "$cur")))sh";
    }
    return R"sh(COMPREPLY=($(compgen -W "$(_p2praid_tool_arrays)" -- "$cur")))sh";
  }
  if (meta == "MEMBER") {
    return R"sh(COMPREPLY=($(compgen -G "/dev/nvme*n*p*" -- "$cur") $(compgen -f -- "$cur")))sh";
  }
  if (meta.starts_with("DEV") || meta == "OLD" || meta == "NEW") {
    return R"sh(COMPREPLY=($(compgen -G "/dev/nvme*n*" -- "$cur")))sh";
  }
  return {};
}

// The case of command `cmd` at the end of the completion function: its
// positional arguments (by $npos, the ones typed before), else its options.
void command_case(const CommandDoc& cmd, std::ostream& out) {
  std::ostringstream positions;
  std::size_t index = 0;
  for (const auto& o : cmd.options) {
    if (!o.names.empty()) continue;
    const bool many = o.metavar.ends_with("...");
    const auto completer = positional_completer(cmd.name, o.metavar);
    const std::string pattern = many ? "*" : std::to_string(index);
    ++index;
    positions << "\t\t" << pattern << ") " << (completer.empty() ? "" : completer + "; ")
              << "return ;;\n";
    if (many) break;
  }
  out << "\t" << cmd.name << ")\n";
  if (index != 0)
    out << "\t\t[[ $cur == -* ]] || case $npos in\n" << positions.str() << "\t\tesac\n";
  out << "\t\tCOMPREPLY=($(compgen -W \"" << option_words(cmd.options)
      << " $global\" -- \"$cur\")) ;;\n";
}

// The options that take a value, as a case pattern ("-o|--options|...").
std::string value_options(const CommandLineDoc& doc) {
  std::vector<std::string> names;
  const auto add = [&](const std::vector<OptionDoc>& options) {
    for (const auto& o : options) {
      if (o.metavar.empty()) continue;
      for (const auto& n : o.names) {
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
      }
    }
  };
  add(doc.global_options);
  for (const auto& cmd : doc.commands) add(cmd.options);
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "|") + n;
  return out;
}

}  // namespace

std::string bash_completion(const CommandLineDoc& doc) {
  std::ostringstream out;
  std::string names;
  for (const auto& cmd : doc.commands) names += (names.empty() ? "" : " ") + cmd.name;
  std::string pattern = names;
  std::replace(pattern.begin(), pattern.end(), ' ', '|');
  out << "# bash completion for p2praid-tool -*- shell-script -*-\n"
      << "# Generated by 'p2praid-tool --bash-completion' from its option definitions; do not "
         "edit.\n"
      << "# Regenerate with: cmake --build BUILD --target p2praid-tool-docs\n\n"
      << "_p2praid_tool_providers()\n{\n"
      << "\tlocal d\n\tfor d in /sys/bus/pci/devices/*/p2pmem; do\n"
      << "\t\t[ -d \"$d\" ] && basename \"${d%/p2pmem}\"\n\tdone\n}\n\n"
      << "_p2praid_tool_arrays()\n{\n"
      << "\tdmsetup ls --target raid-p2p 2>/dev/null | awk 'NF == 2 { print $1 }'\n}\n\n"
      << "_p2praid_tool_labels()\n{\n"
      << "\tlocal f\n\tfor f in /dev/disk/by-partlabel/p2praid-meta:*; do\n"
      << "\t\t[ -e \"$f\" ] && echo \"${f##*/p2praid-meta:}\"\n\tdone | sort -u\n}\n\n"
      << "_p2praid_tool()\n{\n"
      << "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd= opt= i w skip= npos=0\n"
      << "\t# the command, the option whose values are being typed, and how many\n"
      << "\t# of the command's positional arguments come before\n"
      << "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
      << "\t\tw=${COMP_WORDS[i]}\n"
      << "\t\tif [ -n \"$skip\" ]; then skip=; continue; fi\n"
      << "\t\tcase $w in\n"
      << "\t\t" << value_options(doc) << ") opt=$w skip=1 ;;\n"
      << "\t\t-*) opt=$w ;;\n"
      << "\t\t" << pattern << ") if [ -z \"$cmd\" ]; then cmd=$w; else npos=$((npos + 1)); fi ;;\n"
      << "\t\t*) [ -n \"$cmd\" ] && npos=$((npos + 1)) ;;\n"
      << "\t\tesac\n\tdone\n"
      << "\tlocal prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
      << "\t# --devices takes several values\n"
      << "\t[[ $opt == --devices && $cur != -* ]] && prev=--devices\n"
      << "\tcase $prev in\n";
  std::vector<std::string> done;
  shadowing_cases(doc, done, out);
  value_cases(doc.global_options, done, out);
  for (const auto& cmd : doc.commands) value_cases(cmd.options, done, out);
  out << "\tesac\n"
      << "\tlocal global=\"" << option_words(doc.global_options) << "\"\n"
      << "\tcase $cmd in\n"
      << "\t\"\") COMPREPLY=($(compgen -W \"" << names << " $global\" -- \"$cur\")) ;;\n";
  for (const auto& cmd : doc.commands) command_case(cmd, out);
  out << "\tesac\n}\n\ncomplete -F _p2praid_tool p2praid-tool\n";
  return out.str();
}

}  // namespace p2praid::docs
