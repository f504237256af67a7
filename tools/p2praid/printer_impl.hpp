// SPDX-License-Identifier: GPL-2.0-only
// Factories of the printers, one per format (internal to the printers).
#pragma once

#include <memory>

#include "p2praid/printer.hpp"

namespace p2praid::output {

std::unique_ptr<Printer> make_text_printer(const Options& options);
std::unique_ptr<Printer> make_json_printer(const Options& options);

}  // namespace p2praid::output
