// Failures are exceptions caught once in main(): the message is the one line the user sees.
#pragma once
#include <stdexcept>
#include <string>

namespace ocipush {

// Something went wrong at run time (input, registry, network): exit status 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command line itself is wrong: exit status 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// The user interrupted the run (SIGINT/SIGTERM): exit status 130.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

}  // namespace ocipush
