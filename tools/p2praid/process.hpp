// SPDX-License-Identifier: GPL-2.0-only
// Running external programs (sfdisk) without a shell: posix_spawn, input
// on their stdin, their output and messages collected, their end decoded.
#pragma once

#include <string>
#include <vector>

namespace p2praid::proc {

struct Outcome {
  int wait_status = 0;  // as waitpid() gives it
  std::string out;      // what it wrote to stdout
  std::string err;      // what it wrote to stderr (at most 64 KiB kept)
};

// Runs argv[0], found in PATH or else in the system directories (/usr/sbin,
// /sbin, ...), with the arguments argv[1...], writes `input`
// to its stdin and closes it, and waits for it to end. A program that stops
// reading early is no error here (SIGPIPE is ignored while writing; EPIPE
// ends the writing); its exit status tells. Throws CommandError if the
// program cannot be started, naming it.
Outcome run(const std::vector<std::string>& argv, const std::string& input);

// The directories searched after PATH (the system's bin and sbin ones);
// tests may change them.
std::vector<std::string>& system_dirs();

// "exited with status 1", "was killed by signal 9 (Killed)".
std::string describe(int wait_status);

// Whether the program exited with status 0.
bool succeeded(const Outcome& outcome);

// "sfdisk exited with status 1: <its last stderr line(s)>", or
// "sfdisk was killed by signal 9 (Killed)".
std::string failure(const std::string& program, const Outcome& outcome);

}  // namespace p2praid::proc
