// SPDX-License-Identifier: GPL-2.0-only
// Strings from outside (sysfs, device-mapper, the command line) made safe
// to show on a terminal, and their width there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace p2praid::text {

// `raw` as printable UTF-8, whatever its bytes:
//   - a C0 control character or DEL as \xHH (ESC \x1b, newline \x0a),
//   - another character a terminal does not print (a C1 control such as
//     U+009B, which starts an escape sequence like ESC [ does; an
//     unassigned code point) as \uHHHH (\UHHHHHHHH above U+FFFF),
//   - a backslash as \\, so that escapes cannot be forged,
//   - each byte that is not part of valid UTF-8 as U+FFFD.
// Decoding and printability are glibc's (mbrtowc, wcwidth) under the C.UTF-8
// locale, whatever the process locale is; without that locale every
// non-ASCII byte becomes U+FFFD.
std::string escape(std::string_view raw);

// The terminal columns `text` (as escape() returns it) takes: two for East
// Asian wide characters, none for combining marks, as wcwidth() says.
std::size_t width(std::string_view text);

}  // namespace p2praid::text
