// The options of every subcommand that talks to a registry (push, login): one table, one parser.
//
// Credentials, ECR, TLS, retries, timeouts and plain HTTP, parsed into ConnectionOptions.
#pragma once
#include <cxxopts.hpp>
#include <istream>
#include <string>

#include "oci_push/transfer/connection.h"

namespace ocipush {

// The help group the connection options are listed under.
inline constexpr const char* kConnectionGroup = "Connection";

// Which of them a subcommand offers: all (push), or all but the ECR ones (login stores a user name and
// password; an ECR registry's built-in login needs neither).
enum class ConnectionOptionSet { All, WithoutEcr };

// Adds --username, --password-stdin, [--ecr-region, --ecr-registry-id, --ecr-public,
// --create-repository, --repository-policy,] --ca-file, --plain-http, --insecure, --retries,
// --retry-budget, --connect-timeout, --stall-timeout to `options`, in kConnectionGroup.
void add_connection_options(cxxopts::Options& options, ConnectionOptionSet set = ConnectionOptionSet::All);

// ConnectionOptions from a parse of that table. Throws UsageError for a value or a combination that is
// wrong (--plain-http with --insecure, --retries outside 0..100, an ECR account that is not 12 digits,
// --username without --password-stdin, ...). With --password-stdin, auth.credentials holds the user
// name and no password yet: read_stdin_password fills it in once the whole command line is checked.
ConnectionOptions parse_connection_options(const cxxopts::ParseResult& result);

// With --username/--password-stdin: the password, one line of `in` without its line ending, into
// options.auth.credentials. Throws UsageError when `in` holds none. Does nothing without them.
void read_stdin_password(ConnectionOptions& options, std::istream& in);

}  // namespace ocipush
