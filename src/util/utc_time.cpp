#include "oci_push/util/utc_time.h"

#include <ctime>

namespace ocipush {

std::string utc_text(int64_t epoch_seconds, const char* format) {
  std::time_t t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  return std::string(text, std::strftime(text, sizeof text, format, &tm));
}

}  // namespace ocipush
