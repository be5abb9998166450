// Bounds on JSON read from files and registries, checked before nlohmann parses it. nlohmann's parser
// is iterative, but copying, comparing and dump() recurse: 100000 nested arrays in a manifest would
// overflow the stack the moment the document is rewritten. Every parse site goes through here. Pure.
#pragma once
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ocipush {

// Far above any real manifest, index, config or config.json (they nest fewer than 10 levels).
inline constexpr std::size_t kMaxJsonDepth = 256;

// True when arrays and objects nest at most `max_depth` levels (brackets inside strings do not count).
// A linear scan with no allocation; it does not validate the rest of the syntax.
bool json_depth_within(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// nlohmann::json::parse(text, nullptr, false), except that a document nested deeper than
// kMaxJsonDepth is discarded unparsed, like malformed JSON: callers keep their is_discarded() checks.
nlohmann::json parse_json_bounded(std::string_view text);

}  // namespace ocipush
