// dockerfile_from_flags: `oci-push build --from --add ...` written as the Dockerfile instructions it stands for.
#include "oci_push/build/flag_recipe.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

using Words = std::vector<std::string>;

TEST(FlagRecipe, EveryFlagBecomesItsInstruction) {
  BuildFlags f;
  f.from = "alpine:3.19";
  f.adds = {"app:/app", "cfg.json:/etc/cfg.json"};
  f.chown = "1000:1000";
  f.chmod = "0755";
  f.env = {"A=1", "B=x=y"};
  f.entrypoint = R"(["/app", "--serve"])";
  f.cmd = "run";
  f.workdir = "/w";
  f.user = "app";
  f.expose = {"80"};
  f.volumes = {"/data"};
  f.stop_signal = "SIGTERM";
  const auto& in = dockerfile_from_flags(f).instructions;
  Words keywords;
  for (const auto& i : in) keywords.push_back(i.keyword);
  ASSERT_EQ(keywords, (Words{"from", "copy", "copy", "env", "env", "workdir", "user", "expose", "volume", "stopsignal",
                             "entrypoint", "cmd"}));
  for (size_t k = 0; k < in.size(); ++k) EXPECT_EQ(in[k].line, k + 1) << in[k].keyword;
  EXPECT_EQ(in[0].args, (Words{"alpine:3.19"}));
  EXPECT_EQ(in[1].args, (Words{"app", "/app"}));
  EXPECT_EQ(in[1].flags, (Words{"--chown=1000:1000", "--chmod=0755"}));
  EXPECT_EQ(in[2].args, (Words{"cfg.json", "/etc/cfg.json"}));
  EXPECT_EQ(in[2].flags, (Words{"--chown=1000:1000", "--chmod=0755"}));
  EXPECT_EQ(in[3].args, (Words{"A", "1", "="}));
  EXPECT_EQ(in[4].args, (Words{"B", "x=y", "="}));
  EXPECT_EQ(in[5].args, (Words{"/w"}));
  EXPECT_EQ(in[6].args, (Words{"app"}));
  EXPECT_EQ(in[7].args, (Words{"80"}));
  EXPECT_EQ(in[8].args, (Words{"/data"}));
  EXPECT_EQ(in[9].args, (Words{"SIGTERM"}));
  EXPECT_EQ(in[10].args, (Words{"/app", "--serve"}));
  EXPECT_TRUE(in[10].json_form);
  EXPECT_EQ(in[11].args, (Words{"run"}));
  EXPECT_TRUE(in[11].json_form);
}

TEST(FlagRecipe, OneWordEntrypointIsNotSplit) {
  BuildFlags f;
  f.from = "base";
  f.entrypoint = "/bin/my app";
  const auto& in = dockerfile_from_flags(f).instructions;
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[1].keyword, "entrypoint");
  EXPECT_EQ(in[1].args, (Words{"/bin/my app"}));
  EXPECT_TRUE(in[1].json_form);
}

TEST(FlagRecipe, NoFromIsScratchAndNoExtrasMeansFromAlone) {
  const auto& in = dockerfile_from_flags(BuildFlags{}).instructions;
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].keyword, "from");
  EXPECT_EQ(in[0].args, (Words{"scratch"}));
}

TEST(FlagRecipe, AddWithoutChownHasNoFlags) {
  BuildFlags f;
  f.adds = {"src/dir:/opt/dir/"};
  const auto& in = dockerfile_from_flags(f).instructions;
  ASSERT_EQ(in.size(), 2u);
  EXPECT_TRUE(in[1].flags.empty());
  EXPECT_EQ(in[1].args, (Words{"src/dir", "/opt/dir/"}));
}

TEST(FlagRecipe, MalformedFlagsAreUsageErrors) {
  for (const char* add : {"nocolon", ":/dst", "src:"}) {
    BuildFlags f;
    f.adds = {add};
    EXPECT_THROW(dockerfile_from_flags(f), UsageError) << add;
  }
  for (const char* env : {"NOEQ", "=value"}) {
    BuildFlags f;
    f.env = {env};
    EXPECT_THROW(dockerfile_from_flags(f), UsageError) << env;
  }
  for (const char* entrypoint : {"[1, 2]", "[\"a\", 3]", "[not json"}) {
    BuildFlags f;
    f.entrypoint = entrypoint;
    EXPECT_THROW(dockerfile_from_flags(f), UsageError) << entrypoint;
  }
}

}  // namespace
}  // namespace ocipush
