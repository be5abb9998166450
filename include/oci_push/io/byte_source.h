// Random access to bytes: a file on disk, or a string in a test.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ocipush {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Reads up to `len` bytes at `offset`; returns fewer only at the end. Safe to call from many threads.
  virtual size_t read_at(uint64_t offset, void* buf, size_t len) const = 0;
  // Where the bytes come from, for error messages.
  virtual std::string name() const = 0;
  // What identifies these exact bytes without reading them (a file's device, inode, size and times, and
  // the slice of it), so a layer checked once need not be hashed again; nullopt when nothing does.
  virtual std::optional<std::string> identity() const { return std::nullopt; }
};

class StringSource : public ByteSource {
 public:
  explicit StringSource(std::string data, std::string name = "<memory>")
      : data_(std::move(data)), name_(std::move(name)) {}
  uint64_t size() const override { return data_.size(); }
  size_t read_at(uint64_t offset, void* buf, size_t len) const override;
  std::string name() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
};

// A window [offset, offset+size) of another source: one tar entry.
class SliceSource : public ByteSource {
 public:
  SliceSource(const ByteSource& parent, uint64_t offset, uint64_t size, std::string name)
      : parent_(parent), offset_(offset), size_(size), name_(std::move(name)) {}
  uint64_t size() const override { return size_; }
  size_t read_at(uint64_t offset, void* buf, size_t len) const override;
  std::string name() const override { return name_; }
  std::optional<std::string> identity() const override;

 private:
  const ByteSource& parent_;
  uint64_t offset_;
  uint64_t size_;
  std::string name_;
};

// Reads exactly [offset, offset+len) into a string; throws Error naming the source if it is shorter.
std::string read_exact(const ByteSource& source, uint64_t offset, size_t len);
// Whole source into memory, refusing (Error naming the source) anything larger than max_size.
std::string read_all(const ByteSource& source, size_t max_size);

}  // namespace ocipush
