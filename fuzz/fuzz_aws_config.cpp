// The AWS CLI's INI dialect over arbitrary bytes, then profile lookups in both file kinds.
#include "fuzz_common.h"
#include "oci_push/auth/aws/aws_config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocipush;
  fuzz::expect_clean([&] {
    AwsIniFile file = parse_aws_ini(fuzz::as_text(data, size), "fuzz-config");
    for (const auto& [section, keys] : file) {
      aws_profile(file, section, false);
      aws_profile(file, section, true);
    }
    aws_profile(file, "default", true);
  });
  return 0;
}
