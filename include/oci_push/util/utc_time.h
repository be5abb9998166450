// Seconds since 1970 as UTC text, for the formats protocols fix (SigV4's "20150830T123600Z", an image
// config's RFC 3339 "2015-08-30T12:36:00Z"): never the local time zone.
#pragma once
#include <cstdint>
#include <string>

namespace ocipush {

// `format` as strftime takes it; the text must fit in 63 characters.
std::string utc_text(int64_t epoch_seconds, const char* format);

}  // namespace ocipush
