// SPDX-License-Identifier: GPL-2.0-only
// Error types and the exit codes they map to.
#pragma once

#include <stdexcept>
#include <string>

namespace p2praid {

// Process exit codes of p2praid-tool.
enum class ExitCode : int {
  Ok = 0,
  Degraded = 1,  // status: an array is degraded (its data is available)
  Unusable = 2,  // status: an array has failed (its data is not available)
  Usage = 3,     // bad command line, CLI11 parse errors included
  Failed = 5,    // the command ran and failed or refused
};

// An error with the exit code it ends the process with. The message is
// complete: it names the object (device, file) and says what to do.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}

  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// The command line is wrong in a way CLI11 cannot see (duplicates, ...).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ExitCode::Usage, message) {}
};

// The command failed or refused to do what was asked.
class CommandError : public Error {
 public:
  explicit CommandError(const std::string& message) : Error(ExitCode::Failed, message) {}
};

// The command may not do what it must (EACCES, EPERM): the message names
// the device or file and says to run as root. Never taken for "absent".
class PermissionError : public CommandError {
 public:
  explicit PermissionError(const std::string& message) : CommandError(message) {}
};

}  // namespace p2praid
