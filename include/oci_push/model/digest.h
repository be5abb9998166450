// Content digests ("sha256:<64 hex>") and the streaming SHA-256 that produces them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ocipush {

struct Digest {
  std::string algorithm;  // only "sha256" is produced; "sha512" is accepted when parsing
  std::string hex;        // lowercase

  std::string str() const { return algorithm + ":" + hex; }
  bool operator==(const Digest&) const = default;
  bool operator<(const Digest& o) const { return str() < o.str(); }

  // Strict: "sha256:" + 64 lowercase hex (or "sha512:" + 128); nullopt otherwise.
  static std::optional<Digest> parse(std::string_view text);
};

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // Ends the stream; the object may not be updated afterwards.
  Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Digest sha256_of(std::string_view data);
// Lowercase hex SHA-1: not a content digest, only the name the AWS CLI gives its SSO cache files.
std::string sha1_hex(std::string_view data);

}  // namespace ocipush
