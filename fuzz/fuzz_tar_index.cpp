// TarIndex::build over arbitrary bytes, then every lookup the readers make (links followed).
#include "fuzz_common.h"
#include "oci_push/io/byte_source.h"
#include "oci_push/io/tar_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocipush;
  fuzz::expect_clean([&] {
    StringSource source(std::string(fuzz::as_text(data, size)), "fuzz.tar");
    TarIndex index = TarIndex::build(source);
    for (const auto& kv : index.entries()) {
      fuzz::expect_clean([&] {
        auto found = index.find(kv.first);
        if (found && found->type == TarEntry::Type::File) {
          // The entry's data must lie inside the source: read it through a slice.
          if (found->offset > source.size() || found->size > source.size() - found->offset) __builtin_trap();
        }
      });
    }
    fuzz::expect_clean([&] { index.find("manifest.json"); });
    fuzz::expect_clean([&] { index.find("index.json"); });
  });
  return 0;
}
