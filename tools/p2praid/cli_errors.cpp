// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/cli_errors.hpp"

#include <regex>
#include <sstream>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace p2praid::cli {
namespace {

// The option `name` ("--level", or a positional's "name") of `app` or of
// one of its subcommands.
const CLI::Option* find_option(const CLI::App& app, const std::string& name) {
  if (const auto* o = app.get_option_no_throw(name)) return o;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (const auto* o = find_option(*sub, name)) return o;
  }
  return nullptr;
}

// How the usage names an argument: "--level", or a positional's "NAME".
std::string shown(const CLI::App& app, const std::string& name) {
  const auto* o = find_option(app, name);
  if (o == nullptr || !o->get_lnames().empty() || !o->get_snames().empty()) return name;
  return o->get_type_name();
}

std::string metavar(const CLI::App& app, const std::string& name) {
  const auto* o = find_option(app, name);
  return o == nullptr ? std::string("a value") : o->get_type_name();
}

std::vector<std::string> words(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; std::getline(in, w, separator);) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

std::string one_of(const std::string& value, const std::vector<std::string>& allowed) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return "'" + value + "' is not one of " + list;
}

// What CLI11's own validators say, in our words; other text as it is.
std::string validation_text(const std::string& text) {
  std::smatch m;
  const std::regex range_re(R"(Value (.*) not in range (\S+) to (\S+))");
  const std::regex member_re(R"((.*) not in \{(.*)\})");
  const std::regex mapped_re(R"(Check (.*) value in \{(.*)\} OR \{.*\} FAILED)");
  const std::regex path_re(R"((?:Directory|File|Path) does not exist: (.*))");
  if (std::regex_match(text, m, range_re)) {
    return "'" + m.str(1) + "' is not a number from " + m.str(2) + " to " + m.str(3);
  }
  if (std::regex_match(text, m, mapped_re)) {
    std::vector<std::string> keys;
    for (const auto& pair : words(m.str(2), ',')) keys.push_back(pair.substr(0, pair.find("->")));
    return one_of(m.str(1), keys);
  }
  if (std::regex_match(text, m, member_re)) return one_of(m.str(1), words(m.str(2), ','));
  if (std::regex_match(text, m, path_re)) return "'" + m.str(1) + "' does not exist";
  return text;
}

std::string lower_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string extras(const std::string& list) {
  std::string out;
  for (const auto& w : words(list, ' ')) {
    out += (out.empty() ? "" : "; ") +
           (w.starts_with("-") ? "unknown option '" + w + "'" : "unexpected argument '" + w + "'");
  }
  return out;
}

std::string required(const CLI::App& app, const std::string& name) {
  const auto* o = find_option(app, name);
  if (o == nullptr) return name + " is required";
  return shown(app, name) + " is required: " + lower_first(o->get_description());
}

}  // namespace

std::string parse_error_message(const CLI::App& app, const CLI::Error& e) {
  std::string what = e.what();
  const std::string kind = e.get_name();
  std::smatch m;
  const std::regex named_re(R"((\S+): ([\s\S]*))");
  const std::regex convert_re(R"(Could not convert: (\S+) = (.*))");
  const std::regex required_re(R"((\S+) is required)");
  const std::regex missing_value_re(R"((\S+): \d+ required \S+ missing)");
  const std::regex extras_re(R"(The following arguments? (?:was|were) not expected: (.*))");
  const std::regex excludes_re(R"((\S+) excludes (\S+))");
  const std::regex requires_re(R"((\S+) requires (\S+))");
  if (kind == "ValidationError" && std::regex_match(what, m, named_re)) {
    return shown(app, m.str(1)) + ": " + validation_text(m.str(2));
  }
  if (kind == "ConversionError" && std::regex_match(what, m, convert_re)) {
    return shown(app, m.str(1)) + ": '" + m.str(2) + "' is not " + metavar(app, m.str(1));
  }
  if (kind == "RequiredError" && std::regex_match(what, m, required_re)) {
    return required(app, m.str(1));
  }
  if (kind == "ArgumentMismatch" && std::regex_match(what, m, missing_value_re)) {
    return shown(app, m.str(1)) + " needs a value (" + metavar(app, m.str(1)) + ")";
  }
  // CLI11 names an ExtrasError after the command, not the error.
  if (std::regex_match(what, m, extras_re)) return extras(m.str(1));
  if (kind == "ExcludesError" && std::regex_match(what, m, excludes_re)) {
    return m.str(1) + " and " + m.str(2) + " cannot be given together";
  }
  if (kind == "RequiresError" && std::regex_match(what, m, requires_re)) {
    return m.str(1) + " needs " + m.str(2);
  }
  return what;
}

}  // namespace p2praid::cli
