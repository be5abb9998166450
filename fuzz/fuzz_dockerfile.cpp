// A Dockerfile over arbitrary bytes: parse_dockerfile, each instruction dumped and its words expanded as
// the build would, and the same bytes as a .dockerignore; only Error may come out.
#include "fuzz_common.h"
#include "oci_push/build/dockerfile.h"
#include "oci_push/build/path_patterns.h"
#include "oci_push/build/shell_words.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocipush;
  const auto text = fuzz::as_text(data, size);
  fuzz::expect_clean([&] {
    Dockerfile d = parse_dockerfile(text, "Dockerfile");
    ShellLexer lexer;
    lexer.escape = d.escape;
    const ShellVariables vars{{"A", "a b"}, {"EMPTY", ""}, {"PATH", "/bin"}};
    for (const auto& i : d.instructions) {
      dump_instruction(i);
      for (const auto& word : i.args) fuzz::expect_clean([&] { lexer.expand(word, vars); });
    }
  });
  fuzz::expect_clean([&] {
    IgnoreMatcher matcher(parse_dockerignore(text));
    matcher.excluded("a/b/c.txt");
    matcher.excluded(std::string(text.substr(0, 64)));
  });
  return 0;
}
