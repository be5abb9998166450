#include "oci_push/model/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "oci_push/util/error.h"

namespace ocipush {
namespace {

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string to_hex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

}  // namespace

std::optional<Digest> Digest::parse(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view hex = text.substr(colon + 1);
  size_t expected = 0;
  if (algorithm == "sha256") {
    expected = 64;
  } else if (algorithm == "sha512") {
    expected = 128;
  } else {
    return std::nullopt;
  }
  if (hex.size() != expected || !is_lower_hex(hex)) return std::nullopt;
  return Digest{std::string(algorithm), std::string(hex)};
}

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
  ~State() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  // Allocation or provider failure is not something a user can fix; report it plainly.
  if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr) != 1) {
    throw Error("sha256: OpenSSL could not initialise a digest context");
  }
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  if (!state_) throw std::logic_error("Sha256::update after finish");
  if (size == 0) return;
  if (EVP_DigestUpdate(state_->ctx, data, size) != 1) throw Error("sha256: OpenSSL digest update failed");
}

Digest Sha256::finish() {
  if (!state_) throw std::logic_error("Sha256::finish called twice");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(state_->ctx, md, &len) != 1) throw Error("sha256: OpenSSL digest final failed");
  // Dropping the state makes any later use fail loudly instead of hashing garbage.
  state_.reset();
  return Digest{"sha256", to_hex(md, len)};
}

Digest sha256_of(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

std::string sha1_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!EVP_Digest(data.data(), data.size(), md, &n, EVP_sha1(), nullptr)) throw Error("SHA-1 failed");
  return to_hex(md, n);
}

}  // namespace ocipush
