#include "oci_push/io/byte_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "oci_push/util/error.h"

namespace ocipush {

size_t StringSource::read_at(uint64_t offset, void* buf, size_t len) const {
  if (offset >= data_.size()) return 0;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(len, data_.size() - offset));
  std::memcpy(buf, data_.data() + offset, n);
  return n;
}

size_t SliceSource::read_at(uint64_t offset, void* buf, size_t len) const {
  if (offset >= size_) return 0;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(len, size_ - offset));
  return parent_.read_at(offset_ + offset, buf, n);
}

std::optional<std::string> SliceSource::identity() const {
  auto parent = parent_.identity();
  if (!parent) return std::nullopt;
  return *parent + "@" + std::to_string(offset_) + "+" + std::to_string(size_);
}

std::string read_exact(const ByteSource& source, uint64_t offset, size_t len) {
  const uint64_t size = source.size();
  // Checked before allocating, so that a bogus length from untrusted input cannot exhaust memory.
  if (offset > size || len > size - offset) {
    throw Error(fmt::format("{}: unexpected end of data: needs {} bytes at offset {} but it ends at {}", source.name(),
                            len, offset, size));
  }
  std::string out(len, '\0');
  size_t done = 0;
  while (done < len) {
    const size_t n = source.read_at(offset + done, out.data() + done, len - done);
    if (n == 0) {
      throw Error(fmt::format("{}: unexpected end of data: needs {} bytes at offset {} but only {} could be read",
                              source.name(), len, offset, done));
    }
    done += n;
  }
  return out;
}

std::string read_all(const ByteSource& source, size_t max_size) {
  const uint64_t size = source.size();
  if (size > max_size) {
    throw Error(fmt::format("{}: is {} bytes, more than the limit of {} bytes", source.name(), size, max_size));
  }
  return read_exact(source, 0, static_cast<size_t>(size));
}

}  // namespace ocipush
