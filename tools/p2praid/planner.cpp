// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/planner.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <map>
#include <stdexcept>

#include "p2praid/errors.hpp"
#include "p2praid/p2p.hpp"

namespace p2praid::plan {
namespace {

using topo::Topology;

// Distance used to rank drives a provider cannot reach: after every real one.
constexpr int kUnreachable = 1 << 20;

// A namespace that can become a member.
struct Drive {
  const topo::Namespace* ns = nullptr;
  std::string controller;
  std::optional<std::string> pci;
  std::string attachment;
};

// A provider that was not taken, and why.
struct Rejection {
  const topo::PciFunction* provider = nullptr;
  std::string text;  // "0000:03:00.0 (nvme0 CMB): has 64 MiB ..."
  // What would still be wrong if no P2P memory were needed; empty if
  // memory is all that is missing.
  std::string besides_memory;
};

// What selection decided, before the plan is assembled.
struct Selection {
  std::vector<Drive> drives;
  Provider provider;
  std::vector<Rejection> rejected;  // by --provider auto
  std::vector<std::string> reasons;
  std::vector<std::string> warnings;
};

// How well one provider serves a set of drives.
struct Fit {
  const topo::PciFunction* provider = nullptr;
  std::vector<std::optional<int>> distances;  // per drive
  int total = 0;
  std::string problem;  // empty if usable

  bool usable() const { return problem.empty(); }
};

std::string join(const std::vector<std::string>& items, std::string_view sep = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

std::vector<std::string> texts(const std::vector<Rejection>& rejected) {
  std::vector<std::string> out;
  out.reserve(rejected.size());
  for (const auto& r : rejected) out.push_back(r.text);
  return out;
}

std::vector<std::string> names(const std::vector<Drive>& drives) {
  std::vector<std::string> out;
  out.reserve(drives.size());
  for (const auto& d : drives) out.push_back(d.ns->name);
  return out;
}

Drive make_drive(const Topology& t, const topo::Namespace& ns) {
  Drive d;
  d.ns = &ns;
  d.controller = ns.controller();
  if (const auto* c = t.controller(d.controller); c != nullptr && c->pci) d.pci = c->pci;
  d.attachment = d.pci ? t.attachment(*d.pci) : std::string("not on PCI");
  return d;
}

std::optional<int> distance(const Topology& t, const std::string& provider, const Drive& drive) {
  if (!drive.pci) return std::nullopt;
  return p2p::calc_map_type_and_dist(t, provider, *drive.pci).p2p_distance();
}

std::string unreachable_reason(const Topology& t, const std::string& provider, const Drive& d) {
  if (!d.pci) return d.ns->name + " is not on PCI";
  return d.ns->name + " unreachable: " + p2p::calc_map_type_and_dist(t, provider, *d.pci).reason;
}

// --- member resolution -------------------------------------------------

const topo::Namespace* find_device(const Topology& t, std::string_view given) {
  std::string_view name = given;
  if (name.starts_with("/dev/")) name.remove_prefix(5);
  if (const auto* ns = t.find_namespace(name)) return ns;
  const auto it = std::find_if(t.namespaces.begin(), t.namespaces.end(),
                               [&](const topo::Namespace& n) { return n.devnum == given; });
  return it == t.namespaces.end() ? nullptr : &*it;
}

std::vector<Drive> resolve_devices(const Topology& t, const std::vector<std::string>& given) {
  std::vector<Drive> drives;
  for (const auto& g : given) {
    const auto* ns = find_device(t, g);
    if (ns == nullptr) {
      throw CommandError(g + ": no such NVMe namespace in " + t.source +
                         "/class/block; run 'p2praid-tool topology' to list the drives");
    }
    const bool dup =
        std::any_of(drives.begin(), drives.end(), [&](const Drive& d) { return d.ns == ns; });
    if (dup) throw UsageError(g + ": given twice in --devices; name each drive once");
    drives.push_back(make_drive(t, *ns));
  }
  return drives;
}

// One namespace per controller: two namespaces of one drive fail together.
std::vector<Drive> candidate_drives(const Topology& t) {
  std::vector<Drive> pool;
  for (const auto& ns : t.namespaces) {
    if (ns.sectors == 0) continue;
    const bool taken = std::any_of(pool.begin(), pool.end(), [&](const Drive& d) {
      return !d.controller.empty() && d.controller == ns.controller();
    });
    if (!taken) pool.push_back(make_drive(t, ns));
  }
  return pool;
}

void check_member_count(const raid::Level& level, std::size_t n, const std::string& source) {
  if (n >= level.min_members) return;
  std::string why = std::string(level.name) + " needs at least " +
                    std::to_string(level.min_members) + " members; " + source + " " +
                    std::to_string(n);
  if (level.family == raid::Family::Raid0) why += " (a one-member raid0 is pointless: use linear)";
  if (level.family == raid::Family::Raid4 || level.family == raid::Family::Raid5) {
    why += " (with 2 members parity is a mirror: use raid1)";
  }
  throw CommandError(why);
}

// A request for more members than an array can have.
void check_member_limit(const Request& req) {
  const auto limit =
      ": a raid-p2p array has at most " + std::to_string(raid::kMaxMembers) + " members";
  if (req.devices.size() > raid::kMaxMembers) {
    throw UsageError("--devices names " + std::to_string(req.devices.size()) + " drives" + limit);
  }
  if (req.devices.empty() && req.count > raid::kMaxMembers) {
    throw UsageError("--count " + std::to_string(req.count) + limit);
  }
}

// A size no block device can have (the topology came from a broken tree).
void check_member_sizes(const std::vector<Drive>& drives) {
  for (const auto& d : drives) {
    if (d.ns->sectors <= units::kMaxSectors) continue;
    throw CommandError(d.ns->name + ": " + std::to_string(d.ns->sectors) +
                       " sectors, more than a block device can have (" +
                       std::to_string(units::kMaxSectors) + ")");
  }
}

void check_sizes(const raid::Level& level, const std::vector<Drive>& drives) {
  if (level.family == raid::Family::Linear || drives.empty()) return;
  const auto by_size = [](const Drive& a, const Drive& b) { return a.ns->sectors < b.ns->sectors; };
  const auto& small = *std::min_element(drives.begin(), drives.end(), by_size);
  const auto& large = *std::max_element(drives.begin(), drives.end(), by_size);
  const std::uint64_t diff = large.ns->sectors - small.ns->sectors;
  const auto spread = units::checked_mul(diff, 100);
  const auto allowed = units::checked_mul(large.ns->sectors, kMaxSizeSpreadPercent);
  if (spread && allowed && *spread <= *allowed) return;
  throw CommandError("sizes too different: " + small.ns->name + " has " +
                     units::format_size(small.ns->bytes()) + ", " + large.ns->name + " has " +
                     units::format_size(large.ns->bytes()) + "; " + std::string(level.name) +
                     " would use only " + units::format_size(small.ns->bytes()) +
                     " of each member. Choose drives within " +
                     std::to_string(kMaxSizeSpreadPercent) + "% of each other with --devices");
}

// --- providers ----------------------------------------------------------

// What keeps provider `f` from serving anyone: no memory, unpublished, full.
std::string provider_problem(const topo::PciFunction& f, std::uint64_t required) {
  if (!f.p2pmem) return "has no P2P memory (no p2pmem in sysfs)";
  if (!f.p2pmem->published) return "its P2P memory is not published (kept by its driver)";
  if (f.p2pmem->available < required) {
    return "has " + units::format_size(f.p2pmem->available) + " of P2P memory available, " +
           units::format_size(required) + " needed";
  }
  return {};
}

Fit evaluate(const Topology& t, const topo::PciFunction& f, const std::vector<Drive>& drives,
             std::uint64_t required) {
  Fit fit;
  fit.provider = &f;
  fit.problem = provider_problem(f, required);
  if (!fit.usable()) return fit;
  for (const auto& d : drives) {
    fit.distances.push_back(distance(t, f.bdf, d));
    if (!fit.distances.back() && fit.usable()) fit.problem = unreachable_reason(t, f.bdf, d);
    fit.total += fit.distances.back().value_or(kUnreachable);
  }
  return fit;
}

Provider no_provider(std::uint64_t required) {
  Provider p;
  p.required = required;
  return p;
}

Provider to_provider(const Topology& t, const Fit& fit, std::uint64_t required) {
  Provider p;
  p.required = required;
  if (fit.provider == nullptr) return p;
  p.bdf = fit.provider->bdf;
  if (const auto* c = t.controller_at(fit.provider->bdf)) p.controller = c->name;
  p.size = fit.provider->p2pmem->size;
  p.available = fit.provider->p2pmem->available;
  p.total_distance = fit.total;
  return p;
}

std::string describe_provider(const Topology& t, const topo::PciFunction& f) {
  std::string who = f.bdf;
  if (const auto* c = t.controller_at(who)) who += " (" + c->name + (f.p2pmem ? " CMB)" : ")");
  return who;
}

// The published providers with enough free memory, by BDF.
std::vector<const topo::PciFunction*> published_providers(const Topology& t) {
  std::vector<const topo::PciFunction*> out;
  for (const auto* f : t.providers()) {
    if (f->p2pmem->published) out.push_back(f);
  }
  return out;
}

const topo::PciFunction& requested_provider(const Topology& t, const std::string& bdf) {
  const auto* f = t.function(bdf);
  if (f == nullptr) {
    throw CommandError("--provider " + bdf + ": no such PCI function in " + t.source +
                       "/bus/pci/devices; run 'p2praid-tool topology' to list the P2P providers");
  }
  return *f;
}

// Nearest usable provider for fixed drives: smallest total distance, then BDF.
Provider provider_for(const Topology& t, const std::vector<Drive>& drives,
                      const ProviderChoice& choice, std::uint64_t required, Selection& sel) {
  if (choice.mode == ProviderChoice::Mode::None) {
    sel.reasons.emplace_back("provider: none requested (--provider none); no P2P");
    return no_provider(required);
  }
  if (choice.mode == ProviderChoice::Mode::Bdf) {
    const Fit fit = evaluate(t, requested_provider(t, choice.bdf), drives, required);
    if (!fit.usable()) {
      throw CommandError("--provider " + choice.bdf + ": no reachable provider: " + fit.problem +
                         "; pick another with --provider (see 'p2praid-tool topology') or use "
                         "--provider auto");
    }
    sel.reasons.push_back("provider: " + describe_provider(t, *fit.provider) +
                          " as requested, total distance " + std::to_string(fit.total));
    return to_provider(t, fit, required);
  }
  std::optional<Fit> best;
  for (const auto* f : published_providers(t)) {
    Fit fit = evaluate(t, *f, drives, required);
    if (!fit.usable()) {
      sel.rejected.push_back(
          {f, describe_provider(t, *f) + ": " + fit.problem, evaluate(t, *f, drives, 0).problem});
    } else if (!best || fit.total < best->total) {
      best = std::move(fit);
    }
  }
  if (!best) {
    sel.reasons.emplace_back("provider: none: no published P2P provider reaches every member" +
                             std::string(sel.rejected.empty() ? " (there is none)" : ":"));
    for (const auto& r : sel.rejected) sel.reasons.push_back("  " + r.text);
    return no_provider(required);
  }
  sel.reasons.push_back("provider: " + describe_provider(t, *best->provider) +
                        ", the nearest published provider reaching every member (total distance " +
                        std::to_string(best->total) + ", ties broken by BDF)");
  return to_provider(t, *best, required);
}

// --- member selection ---------------------------------------------------

// The n drives nearest to `anchor_pci` (a provider or a drive), nearest
// first, then by name; nullopt if fewer than n are reachable from it.
std::optional<std::vector<Drive>> nearest_drives(const Topology& t, const std::string& anchor_pci,
                                                 const std::vector<Drive>& pool, std::size_t n) {
  std::vector<std::pair<int, const Drive*>> ranked;
  for (const auto& d : pool) {
    if (const auto dist = distance(t, anchor_pci, d)) ranked.emplace_back(*dist, &d);
  }
  if (ranked.size() < n) return std::nullopt;
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Drive> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(*ranked[i].second);
  return out;
}

int pairwise_distance(const Topology& t, const std::vector<Drive>& drives) {
  int total = 0;
  for (std::size_t i = 0; i < drives.size(); ++i) {
    for (std::size_t j = i + 1; j < drives.size(); ++j) {
      total += drives[i].pci ? distance(t, *drives[i].pci, drives[j]).value_or(kUnreachable)
                             : kUnreachable;
    }
  }
  return total;
}

// Without a provider: the n drives closest to each other, anchored on each
// drive in turn; the smallest sum of pairwise distances wins.
std::vector<Drive> closest_group(const Topology& t, const std::vector<Drive>& pool, std::size_t n,
                                 Selection& sel) {
  std::optional<std::vector<Drive>> best;
  int best_score = 0;
  for (const auto& anchor : pool) {
    if (!anchor.pci) continue;
    auto group = nearest_drives(t, *anchor.pci, pool, n);
    if (!group) continue;
    const int score = pairwise_distance(t, *group);
    if (!best || score < best_score) {
      best = std::move(group);
      best_score = score;
    }
  }
  if (!best) {
    sel.reasons.emplace_back(
        "members: no " + std::to_string(n) +
        " drives are P2P-reachable from each other; took the first drives by name");
    return {pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n)};
  }
  sel.reasons.push_back("members: the " + std::to_string(n) +
                        " drives nearest to each other (sum of pairwise P2P distances " +
                        std::to_string(best_score) + ")");
  return *best;
}

// Locality with a provider: each candidate provider takes its nearest
// drives; the provider with the smallest total distance wins, then by BDF.
std::optional<Fit> best_local_provider(const Topology& t, const std::vector<Drive>& pool,
                                       std::size_t n, std::uint64_t required,
                                       const std::vector<const topo::PciFunction*>& providers,
                                       std::vector<Drive>& chosen, std::vector<Rejection>& why) {
  std::optional<Fit> best;
  for (const auto* f : providers) {
    auto drives = nearest_drives(t, f->bdf, pool, n);
    const std::string few = "reaches fewer than " + std::to_string(n) + " drives";
    if (const auto problem = provider_problem(*f, required); !problem.empty()) {
      const auto besides = drives ? evaluate(t, *f, *drives, 0).problem : few;
      why.push_back({f, describe_provider(t, *f) + ": " + problem, besides});
      continue;
    }
    if (!drives) {
      why.push_back({f, f->bdf + ": " + few, few});
      continue;
    }
    Fit fit = evaluate(t, *f, *drives, required);
    if (!fit.usable()) {
      why.push_back({f, describe_provider(t, *f) + ": " + fit.problem, fit.problem});
    } else if (!best || fit.total < best->total) {
      best = std::move(fit);
      chosen = std::move(*drives);
    }
  }
  return best;
}

Selection select_locality(const Topology& t, const std::vector<Drive>& pool, std::size_t n,
                          const ProviderChoice& choice, std::uint64_t required) {
  Selection sel;
  sel.reasons.emplace_back(
      "policy locality: members and provider as close as possible, "
      "preferably under one switch");
  if (choice.mode == ProviderChoice::Mode::None) {
    sel.drives = closest_group(t, pool, n, sel);
    sel.reasons.emplace_back("provider: none requested (--provider none); no P2P");
    sel.provider.required = required;
    return sel;
  }
  const bool given = choice.mode == ProviderChoice::Mode::Bdf;
  const auto providers =
      given ? std::vector<const topo::PciFunction*>{&requested_provider(t, choice.bdf)}
            : published_providers(t);
  std::vector<Rejection> why;
  const auto best = best_local_provider(t, pool, n, required, providers, sel.drives, why);
  if (best) {
    sel.reasons.push_back("members: the " + std::to_string(n) + " drives nearest to provider " +
                          describe_provider(t, *best->provider) + ", nearest first, then by name");
    sel.reasons.push_back("provider: " + describe_provider(t, *best->provider) +
                          (given ? " as requested" : ", the published provider with the smallest") +
                          " total distance " + std::to_string(best->total) +
                          (given ? "" : " (ties broken by BDF)"));
    sel.provider = to_provider(t, *best, required);
    return sel;
  }
  if (given) {
    throw CommandError("--provider " + choice.bdf + ": no reachable provider for " +
                       std::to_string(n) + " members: " + join(texts(why), "; ") +
                       "; use --provider auto or --provider none");
  }
  sel.drives = closest_group(t, pool, n, sel);
  sel.reasons.push_back("provider: none: no published provider reaches " + std::to_string(n) +
                        " drives" + (why.empty() ? " (there is none)" : ":"));
  for (const auto& w : why) sel.reasons.push_back("  " + w.text);
  sel.rejected = std::move(why);
  sel.provider.required = required;
  return sel;
}

// Round robin over attachments (switches, root ports) in order of their
// first drive, so consecutive members, and so mirror pairs, differ.
std::vector<Drive> round_robin(const std::vector<Drive>& pool, std::size_t n) {
  std::vector<std::vector<const Drive*>> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& d : pool) {
    const auto [it, added] = index.emplace(d.attachment, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(&d);
  }
  std::vector<Drive> out;
  for (std::size_t round = 0; out.size() < n; ++round) {
    for (const auto& g : groups) {
      if (round < g.size() && out.size() < n) out.push_back(*g[round]);
    }
  }
  return out;
}

std::size_t distinct_attachments(const std::vector<Drive>& drives) {
  std::vector<std::string> seen;
  for (const auto& d : drives) {
    if (std::find(seen.begin(), seen.end(), d.attachment) == seen.end())
      seen.push_back(d.attachment);
  }
  return seen.size();
}

void explain_spread_cost(const Selection& sel, std::vector<std::string>& reasons) {
  if (sel.provider.bdf) {
    reasons.push_back("P2P cost of spreading: none, provider " + *sel.provider.bdf +
                      " still reaches every member (total distance " +
                      std::to_string(sel.provider.total_distance.value_or(0)) + ")");
  } else {
    reasons.emplace_back(
        "P2P cost of spreading: the array runs without P2P (p2p_provider none); "
        "use --policy locality to keep members under one switch with P2P");
  }
}

Selection select_spread(const Topology& t, const std::vector<Drive>& pool, std::size_t n,
                        const ProviderChoice& choice, std::uint64_t required) {
  Selection sel;
  sel.drives = round_robin(pool, n);
  sel.reasons.push_back(
      "policy spread: members taken in turn from " + std::to_string(distinct_attachments(pool)) +
      " switches/root ports so that mirrors sit under different ones: " + join(names(sel.drives)));
  sel.provider = provider_for(t, sel.drives, choice, required, sel);
  explain_spread_cost(sel, sel.reasons);
  return sel;
}

// Mirrors under one switch: a warning when spreading was asked for, the
// accepted trade-off of locality otherwise.
void note_shared_mirrors(const raid::Level& level, Policy policy, Selection& sel) {
  const auto& drives = sel.drives;
  for (std::size_t i = 0; i < drives.size(); ++i) {
    for (const auto j : raid::mirror_set(level, i, drives.size())) {
      if (j <= i || drives[i].attachment != drives[j].attachment) continue;
      const std::string shared = "mirrors " + drives[i].ns->name + " and " + drives[j].ns->name +
                                 " share " + drives[i].attachment;
      if (policy == Policy::Spread) {
        sel.warnings.push_back(shared + ": a failure there loses both copies");
      } else {
        sel.reasons.push_back("trade-off: " + shared + " (use --policy spread to separate them)");
      }
    }
  }
}

void warn_shared_controllers(const raid::Level& level, const std::vector<Drive>& drives,
                             std::vector<std::string>& warnings) {
  if (!raid::is_redundant(level)) return;
  for (std::size_t i = 0; i < drives.size(); ++i) {
    for (std::size_t j = i + 1; j < drives.size(); ++j) {
      if (!drives[i].controller.empty() && drives[i].controller == drives[j].controller) {
        warnings.push_back(drives[i].ns->name + " and " + drives[j].ns->name +
                           " are namespaces of one controller (" + drives[i].controller +
                           "): they fail together");
      }
    }
  }
}

Selection select_given(const Topology& t, const Request& req, const raid::Level& level,
                       std::uint64_t required) {
  Selection sel;
  sel.drives = resolve_devices(t, req.devices);
  check_member_count(level, sel.drives.size(), "--devices names");
  sel.reasons.push_back("members: as given with --devices, in that order: " +
                        join(names(sel.drives)));
  sel.provider = provider_for(t, sel.drives, req.provider, required, sel);
  if (req.policy == Policy::Spread) explain_spread_cost(sel, sel.reasons);
  return sel;
}

Selection select_by_count(const Topology& t, const Request& req, const raid::Level& level,
                          std::uint64_t required) {
  check_member_count(level, req.count, "--count asks for");
  const auto pool = candidate_drives(t);
  if (pool.size() < req.count) {
    throw CommandError("not enough drives: --count " + std::to_string(req.count) + " asks for " +
                       std::to_string(req.count) + " members, " + t.source + " has " +
                       std::to_string(pool.size()) + " NVMe namespaces on distinct controllers (" +
                       (pool.empty() ? std::string("none") : join(names(pool))) + ")");
  }
  return req.policy == Policy::Spread ? select_spread(t, pool, req.count, req.provider, required)
                                      : select_locality(t, pool, req.count, req.provider, required);
}

// --- P2P dropped ---------------------------------------------------------

// "32M": a chunk size as --chunk takes it.
std::string chunk_option(std::uint64_t bytes) {
  if (bytes % units::kGiB == 0) return std::to_string(bytes / units::kGiB) + "G";
  if (bytes % units::kMiB == 0) return std::to_string(bytes / units::kMiB) + "M";
  return std::to_string(bytes / units::kKiB) + "K";
}

// Why an array gets no provider, and what would give it one.
struct NoP2p {
  std::string why;
  std::string fix;  // "--chunk 32M or smaller to keep P2P", or empty
};

// P2P memory is all that is missing: the most any provider has free, and
// the chunk size that would fit there.
NoP2p short_of_memory(const Topology& t, const topo::PciFunction& roomiest,
                      const raid::Level& level, std::uint64_t chunk, std::size_t n) {
  const std::uint64_t free = roomiest.p2pmem->available;
  NoP2p out;
  out.why = "the array needs " + units::format_size(chunk * n) + " of P2P memory (" +
            units::format_size(chunk) +
            " per member), more than any published provider reaching the members has free (at "
            "most " +
            units::format_size(free) + ", on " + describe_provider(t, roomiest) + ")";
  const std::uint64_t fits = std::bit_floor(free / n);
  if (raid::is_striped(level) && fits >= kMinChunkBytes) {
    out.fix = "--chunk " + chunk_option(fits) + " or smaller to keep P2P";
  }
  return out;
}

// Why --provider auto found no provider: the one thing to change if P2P
// memory is all that is missing, else every provider's problem, providers
// with the same problem together.
NoP2p why_no_provider(const Topology& t, const Selection& sel, const raid::Level& level,
                      std::uint64_t chunk, std::size_t n) {
  const topo::PciFunction* roomiest = nullptr;
  std::vector<std::pair<std::string, std::vector<std::string>>> problems;  // providers by problem
  for (const auto& r : sel.rejected) {
    auto it = std::find_if(problems.begin(), problems.end(),
                           [&](const auto& p) { return p.first == r.besides_memory; });
    if (it == problems.end()) it = problems.insert(problems.end(), {r.besides_memory, {}});
    it->second.push_back(describe_provider(t, *r.provider));
    if (r.besides_memory.empty() &&
        (roomiest == nullptr || r.provider->p2pmem->available > roomiest->p2pmem->available)) {
      roomiest = r.provider;
    }
  }
  if (roomiest != nullptr) return short_of_memory(t, *roomiest, level, chunk, n);
  if (!problems.empty()) {
    std::vector<std::string> lines;
    lines.reserve(problems.size());
    for (const auto& [problem, providers] : problems) {
      lines.push_back(join(providers) + ": " + problem);
    }
    return {"no published provider reaches every member: " + join(lines, "; "), {}};
  }
  std::vector<std::string> unpublished;
  for (const auto* f : t.providers()) unpublished.push_back(describe_provider(t, *f));
  if (!unpublished.empty())
    return {"the P2P memory of " + join(unpublished) + " is not published", {}};
  return {t.source + " has no P2P memory provider (no p2pmem directory)", {}};
}

// An array without P2P that nobody asked for is worth a warning; with
// --provider none it is what was asked for, and --provider BDF refuses
// instead.
void warn_without_p2p(const Topology& t, const Request& req, const raid::Level& level,
                      std::uint64_t chunk, Selection& sel) {
  if (req.provider.mode != ProviderChoice::Mode::Auto || sel.provider.bdf) return;
  const NoP2p no = why_no_provider(t, sel, level, chunk, sel.drives.size());
  sel.warnings.push_back("no P2P (p2p_provider none): " + no.why + "; use " +
                         (no.fix.empty() ? "" : no.fix + ", or ") +
                         "--provider none to plan without P2P and without this warning");
}

// --- assembly -----------------------------------------------------------

std::vector<Member> make_members(const raid::Level& level, const Selection& sel, bool devnums) {
  std::vector<Member> members;
  for (std::size_t i = 0; i < sel.drives.size(); ++i) {
    const Drive& d = sel.drives[i];
    Member m;
    m.name = d.ns->name;
    m.device = devnums ? d.ns->devnum : "/dev/" + d.ns->name;
    m.controller = d.controller;
    m.pci = d.pci;
    m.attachment = d.attachment;
    m.sectors = d.ns->sectors;
    m.role = raid::member_role(level, i, sel.drives.size());
    members.push_back(std::move(m));
  }
  return members;
}

void set_provider_distances(const Topology& t, Plan& plan) {
  if (!plan.provider.bdf) return;
  for (auto& m : plan.members) {
    if (m.pci) {
      m.provider_distance =
          p2p::calc_map_type_and_dist(t, *plan.provider.bdf, *m.pci).p2p_distance();
    }
  }
}

dm::RaidTable make_table(const Plan& plan) {
  dm::RaidTable table;
  table.length = plan.length_sectors;
  table.raid_type = std::string(plan.level->name);
  const bool raid10 = plan.level->family == raid::Family::Raid10;
  table.raid_params = dm::make_raid_params(
      plan.chunk_sectors, raid10 ? std::optional(raid::kRaid10Copies) : std::nullopt,
      plan.provider.bdf.value_or("none"));
  for (const auto& m : plan.members) table.devices.push_back(dm::TableDevice{"-", m.device});
  return table;
}

std::uint64_t chunk_bytes_of(const Request& req, const raid::Level& level, Plan& plan) {
  const std::uint64_t bytes = req.chunk_bytes.value_or(kDefaultChunkBytes);
  try {
    check_chunk(bytes);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--chunk: ") + e.what());
  }
  if (raid::is_striped(level)) {
    plan.chunk_sectors = bytes / units::kSectorSize;
  } else if (req.chunk_bytes) {
    plan.warnings.push_back("--chunk is ignored for " + std::string(level.name) +
                            ", which has no chunks (the table says 0)");
  }
  return bytes;
}

}  // namespace

std::string_view to_string(Policy policy) {
  return policy == Policy::Spread ? "spread" : "locality";
}

ProviderChoice parse_provider(std::string_view text) {
  if (text == "auto") return {ProviderChoice::Mode::Auto, {}};
  if (text == "none") return {ProviderChoice::Mode::None, {}};
  const bool bdf =
      text.size() == 12 && text[4] == ':' && text[7] == ':' && text[10] == '.' &&
      std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
      });
  if (!bdf) {
    throw std::invalid_argument("'" + std::string(text) +
                                "' is not auto, none or a PCI address like 0000:03:00.0");
  }
  return {ProviderChoice::Mode::Bdf, std::string(text)};
}

void check_chunk(std::uint64_t bytes) {
  if (bytes < kMinChunkBytes || !std::has_single_bit(bytes)) {
    throw std::invalid_argument(units::format_size(bytes) +
                                " is not a power of two of at least 4 KiB");
  }
  if (bytes > kMaxChunkBytes) {
    throw std::invalid_argument(units::format_size(bytes) + " is more than " +
                                units::format_size(kMaxChunkBytes) +
                                ", the largest chunk raid-p2p takes");
  }
}

Plan make_plan(const Topology& t, const Request& req) {
  const raid::Level* level = raid::find_level(req.level);
  if (level == nullptr) throw UsageError("--level " + req.level + ": unknown RAID level");
  Plan plan;
  plan.level = level;
  plan.policy = req.policy;
  const std::uint64_t chunk = chunk_bytes_of(req, *level, plan);
  check_member_limit(req);
  const std::size_t n = req.devices.empty() ? req.count : req.devices.size();
  const std::uint64_t required = chunk * n;  // at most 1 GiB * 253

  Selection sel = req.devices.empty() ? select_by_count(t, req, *level, required)
                                      : select_given(t, req, *level, required);
  check_member_sizes(sel.drives);
  check_sizes(*level, sel.drives);
  warn_without_p2p(t, req, *level, chunk, sel);
  note_shared_mirrors(*level, req.policy, sel);
  warn_shared_controllers(*level, sel.drives, sel.warnings);

  plan.members = make_members(*level, sel, req.devnums);
  plan.provider = sel.provider;
  set_provider_distances(t, plan);
  std::vector<std::uint64_t> sizes;
  for (const auto& m : plan.members) sizes.push_back(m.sectors);
  plan.length_sectors = raid::usable_sectors(*level, sizes, plan.chunk_sectors);
  if (plan.length_sectors > units::kMaxSectors) {
    throw CommandError(std::string(level->name) + " over " + join(names(sel.drives)) +
                       " would have more sectors than a block device can have (" +
                       std::to_string(units::kMaxSectors) + "); use fewer or smaller members");
  }
  if (plan.length_sectors == 0) {
    throw CommandError("the members are too small for a " + units::format_size(chunk) +
                       " chunk; use a smaller --chunk");
  }
  plan.reasons = std::move(sel.reasons);
  plan.warnings.insert(plan.warnings.end(), sel.warnings.begin(), sel.warnings.end());
  plan.table = make_table(plan);
  return plan;
}

}  // namespace p2praid::plan
