// Sizes on the command line (--chunk-size): "5MiB", "16M", plain bytes.
#pragma once
#include <cstdint>
#include <string_view>

namespace ocipush {

// "5MiB", "16M", "512k", "1048576", "2GiB"; K/M/G (with or without "i", "B") are powers of 1024.
// Throws UsageError on anything else, on zero and on overflow.
uint64_t parse_byte_size(std::string_view text);

}  // namespace ocipush
