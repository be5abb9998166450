// cxxopts errors as one-line usage errors (src/cli/option_parsing.cpp).
#include "oci_push/cli/option_parsing.h"

#include <gtest/gtest.h>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

std::string usage_error(std::vector<const char*> args) {
  cxxopts::Options o("t");
  o.add_options()("q,quiet", "")("j,jobs", "", cxxopts::value<unsigned>());
  args.insert(args.begin(), "t");
  try {
    parse_or_usage_error(o, static_cast<int>(args.size()), args.data(), "oci-push t");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(OptionParsing, UnknownOptionIsNamedInQuotes) {
  EXPECT_EQ(usage_error({"--frobnicate"}), "Option \"frobnicate\" does not exist (see oci-push t --help)");
  EXPECT_EQ(usage_error({"-j", "many"}), "Argument \"many\" failed to parse (see oci-push t --help)");
}

TEST(OptionParsing, WhatTheUserTypedCannotBreakTheLine) {
  const auto message = usage_error({"-q\n\x1b"});
  EXPECT_EQ(message, "Argument \"-q\\x0a\\x1b\" starts with a - but has incorrect syntax (see oci-push t --help)");
  EXPECT_EQ(usage_error({"-j", "1\n2"}).find('\n'), std::string::npos);
}

TEST(OptionParsing, RequotesBothPiecesOfATwoPieceMessage) {
  const std::string m = "Option " + cxxopts::LQUOTE + "quiet" + cxxopts::RQUOTE +
                        " does not take an argument, but argument " + cxxopts::LQUOTE + "x\ny" + cxxopts::RQUOTE +
                        " given";
  EXPECT_EQ(requote_cxxopts_message(m), "Option \"quiet\" does not take an argument, but argument \"x\\x0ay\" given");
  EXPECT_EQ(requote_cxxopts_message("Option has no value"), "Option has no value");
}

}  // namespace
}  // namespace ocipush
