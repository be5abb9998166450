#include "oci_push/io/tar_headers.h"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <string_view>

#include "oci_push/util/error.h"
#include "oci_push/util/quoted.h"

namespace ocipush {
namespace {

constexpr uint64_t kBlock = 512;
// pax and GNU long-name records are read into memory, so their size (from the archive) must be bounded.
constexpr uint64_t kMaxMetaSize = 1 << 20;

// ustar header layout (offset, length).
constexpr size_t kNameOff = 0, kNameLen = 100;
constexpr size_t kSizeOff = 124, kSizeLen = 12;
constexpr size_t kChksumOff = 148, kChksumLen = 8;
constexpr size_t kTypeOff = 156;
constexpr size_t kLinkOff = 157, kLinkLen = 100;
constexpr size_t kMagicOff = 257;
constexpr size_t kPrefixOff = 345, kPrefixLen = 155;

// A NUL-terminated string field; a field that fills its whole width has no NUL.
std::string_view c_field(std::string_view block, size_t off, size_t len) {
  std::string_view f = block.substr(off, len);
  return f.substr(0, f.find('\0'));
}

// Octal, optionally padded with leading spaces and trailing spaces or NULs; empty is 0.
std::optional<uint64_t> parse_octal(std::string_view f) {
  size_t i = 0;
  while (i < f.size() && f[i] == ' ') ++i;
  uint64_t value = 0;
  for (; i < f.size() && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (value > (std::numeric_limits<uint64_t>::max() >> 3)) return std::nullopt;
    value = (value << 3) | uint64_t(f[i] - '0');
  }
  for (; i < f.size(); ++i) {
    if (f[i] != ' ' && f[i] != '\0') return std::nullopt;
  }
  return value;
}

// GNU tar stores sizes of 8 GiB and more in base-256: high bit set, then big-endian two's complement.
std::optional<uint64_t> parse_numeric(std::string_view f) {
  const auto first = static_cast<unsigned char>(f[0]);
  if ((first & 0x80) == 0) return parse_octal(f);
  if (first & 0x40) return std::nullopt;  // negative
  uint64_t value = first & 0x3f;
  for (char c : f.substr(1)) {
    if (value > (std::numeric_limits<uint64_t>::max() >> 8)) return std::nullopt;
    value = (value << 8) | static_cast<unsigned char>(c);
  }
  return value;
}

// Some old tars summed signed chars, so both sums are accepted.
bool checksum_ok(std::string_view block) {
  const auto stored = parse_octal(block.substr(kChksumOff, kChksumLen));
  if (!stored) return false;
  uint64_t unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    const char c = (i >= kChksumOff && i < kChksumOff + kChksumLen) ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || static_cast<int64_t>(*stored) == signed_sum;
}

bool all_zero(std::string_view block) { return block.find_first_not_of('\0') == std::string_view::npos; }

TarEntry::Type entry_type(char flag) {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return TarEntry::Type::File;
    case '1':
      return TarEntry::Type::Hardlink;
    case '2':
      return TarEntry::Type::Symlink;
    case '5':
      return TarEntry::Type::Directory;
    default:
      return TarEntry::Type::Other;
  }
}

// Links, devices, directories and fifos have no data blocks whatever their size field says.
bool is_header_only(char flag) { return flag >= '1' && flag <= '6'; }

std::string_view meta_kind(char flag) {
  switch (flag) {
    case 'x':
      return "pax header";
    case 'g':
      return "pax global header";
    case 'L':
      return "GNU long name";
    default:
      return "GNU long link name";
  }
}

// A pax or GNU header sets overrides for the entry after it, so the reader carries them from block to block.
class HeaderReader {
 public:
  HeaderReader(const ByteSource& source, const TarEntryFiler& file)
      : source_(source), file_(file), total_(source.size()) {}

  void run() {
    if (total_ == 0) fail("not a tar archive: the file is empty");
    while (read_next_header()) {
    }
    if (pending_meta_) {
      fail(fmt::format("truncated tar: the {} at offset {} is not followed by an entry", pending_meta_kind_,
                       *pending_meta_));
    }
  }

 private:
  [[noreturn]] void fail(std::string_view why) const { throw Error(fmt::format("{}: {}", source_.name(), why)); }

  std::string after_last() const {
    return last_name_.empty() ? std::string() : fmt::format(" (after entry {})", in_quotes(last_name_));
  }

  // Returns false at the end of the archive.
  bool read_next_header() {
    if (pos_ >= total_) return false;
    if (total_ - pos_ < kBlock) {
      if (pos_ == 0) fail(fmt::format("not a tar archive: the file is {} bytes, shorter than one header", total_));
      fail(fmt::format("truncated tar: the header at offset {} is cut off by the end of the file at {}{}", pos_, total_,
                       after_last()));
    }
    const std::string block = read_exact(source_, pos_, kBlock);
    if (all_zero(block)) {
      check_end_of_archive();
      return false;
    }
    if (!checksum_ok(block)) {
      if (pos_ == 0) fail("not a tar archive: no valid tar header at offset 0");
      fail(fmt::format("corrupt tar: bad header checksum at offset {}{}", pos_, after_last()));
    }
    handle_header(block);
    return true;
  }

  // Like Go's archive/tar: one zero block must be followed by another (or the end), not by more headers.
  void check_end_of_archive() const {
    const uint64_t next = pos_ + kBlock;
    if (total_ < next || total_ - next < kBlock) return;
    if (!all_zero(read_exact(source_, next, kBlock))) {
      fail(fmt::format("corrupt tar: a lone zero block at offset {} is followed by more headers", pos_));
    }
  }

  void handle_header(const std::string& block) {
    const char flag = block[kTypeOff];
    const auto size_field = parse_numeric(std::string_view(block).substr(kSizeOff, kSizeLen));
    if (!size_field) fail(fmt::format("corrupt tar: invalid size field in the header at offset {}", pos_));
    if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
      handle_meta(flag, *size_field);
    } else {
      handle_entry(block, flag, *size_field);
    }
  }

  void check_data_fits(std::string_view what, uint64_t data_offset, uint64_t size) const {
    if (size > total_ - data_offset) {
      fail(fmt::format("truncated tar: {} needs {} bytes at offset {} but the file ends at {}", what, size, data_offset,
                       total_));
    }
  }

  void skip_data(uint64_t data_offset, uint64_t size) {
    pos_ = data_offset + size;
    const uint64_t padding = (kBlock - size % kBlock) % kBlock;
    // The last entry's padding may be missing; its data is complete, so that is the end.
    pos_ = (total_ - pos_ <= padding) ? total_ : pos_ + padding;
  }

  void handle_meta(char flag, uint64_t size) {
    const uint64_t data_offset = pos_ + kBlock;
    const std::string_view kind = meta_kind(flag);
    check_data_fits(fmt::format("the {} at offset {}", kind, pos_), data_offset, size);
    if (flag != 'g') {
      if (size > kMaxMetaSize) {
        fail(fmt::format("corrupt tar: the {} at offset {} is {} bytes, more than the limit of {}", kind, pos_, size,
                         kMaxMetaSize));
      }
      const std::string data = read_exact(source_, data_offset, static_cast<size_t>(size));
      if (flag == 'x') {
        parse_pax(data);
      } else {
        // GNU long names are NUL-terminated inside their data.
        std::string value = data.substr(0, data.find('\0'));
        (flag == 'L' ? long_name_ : long_link_) = std::move(value);
      }
      pending_meta_ = pos_;
      pending_meta_kind_ = kind;
    }
    skip_data(data_offset, size);
  }

  // Records are "LENGTH KEY=VALUE\n", LENGTH counting the whole record.
  void parse_pax(std::string_view data) {
    const uint64_t header_offset = pos_;
    auto bad = [&] { fail(fmt::format("corrupt tar: malformed pax header at offset {}", header_offset)); };
    while (!data.empty()) {
      if (all_zero(data)) break;  // some writers pad the record block with NULs
      const size_t space = data.find(' ');
      if (space == 0 || space == std::string_view::npos || space > 20) bad();
      uint64_t length = 0;
      for (char c : data.substr(0, space)) {
        if (c < '0' || c > '9') bad();
        length = length * 10 + uint64_t(c - '0');
      }
      if (length <= space + 1 || length > data.size() || data[length - 1] != '\n') bad();
      const std::string_view record = data.substr(space + 1, length - space - 2);
      const size_t eq = record.find('=');
      if (eq == 0 || eq == std::string_view::npos) bad();
      apply_pax(record.substr(0, eq), record.substr(eq + 1), bad);
      data.remove_prefix(length);
    }
  }

  template <typename Bad>
  void apply_pax(std::string_view key, std::string_view value, Bad bad) {
    // An empty value deletes the keyword, restoring the header's own field.
    auto set = [&](std::optional<std::string>& slot) {
      slot = value.empty() ? std::nullopt : std::optional<std::string>(value);
    };
    if (key == "path") {
      set(pax_path_);
    } else if (key == "linkpath") {
      set(pax_link_);
    } else if (key == "size") {
      if (value.empty()) {
        pax_size_.reset();
        return;
      }
      uint64_t size = 0;
      for (char c : value) {
        if (c < '0' || c > '9' || size > (std::numeric_limits<uint64_t>::max() - 9) / 10) bad();
        size = size * 10 + uint64_t(c - '0');
      }
      pax_size_ = size;
    }
  }

  std::string header_name(std::string_view block) const {
    std::string name(c_field(block, kNameOff, kNameLen));
    // Only POSIX ustar has a prefix field; GNU tar ("ustar  ") keeps other data there.
    if (block.substr(kMagicOff, 6) == std::string_view("ustar\0", 6)) {
      const std::string_view prefix = c_field(block, kPrefixOff, kPrefixLen);
      if (!prefix.empty()) name = std::string(prefix) + "/" + name;
    }
    return name;
  }

  void handle_entry(std::string_view block, char flag, uint64_t size_field) {
    const std::string raw_name = pax_path_ ? *pax_path_ : long_name_ ? *long_name_ : header_name(block);
    const std::string link = pax_link_    ? *pax_link_
                             : long_link_ ? *long_link_
                                          : std::string(c_field(block, kLinkOff, kLinkLen));
    const uint64_t size = pax_size_.value_or(size_field);
    const uint64_t data_offset = pos_ + kBlock;
    const uint64_t data_size = is_header_only(flag) ? 0 : size;
    check_data_fits(fmt::format("entry {}", in_quotes(raw_name)), data_offset, data_size);

    TarEntry entry;
    entry.type = entry_type(flag);
    // Pre-POSIX archives mark directories only by a trailing slash.
    if (flag == '\0' && raw_name.ends_with('/')) entry.type = TarEntry::Type::Directory;
    entry.offset = data_offset;
    entry.size = data_size;
    entry.link_target = link;
    add_entry(raw_name, std::move(entry));

    pax_path_.reset();
    pax_link_.reset();
    pax_size_.reset();
    long_name_.reset();
    long_link_.reset();
    pending_meta_.reset();
    skip_data(data_offset, data_size);
  }

  void add_entry(const std::string& raw_name, TarEntry entry) {
    const FiledTarEntry filed = file_(raw_name, std::move(entry));
    if (!filed.problem.empty()) fail(fmt::format("{} (at offset {})", filed.problem, pos_));
    if (!filed.name.empty()) last_name_ = filed.name;
  }

  const ByteSource& source_;
  const TarEntryFiler& file_;
  const uint64_t total_;
  uint64_t pos_ = 0;
  std::string last_name_;  // of the last entry filed, for messages
  // Overrides that pax and GNU headers set for the next entry only.
  std::optional<std::string> pax_path_, pax_link_, long_name_, long_link_;
  std::optional<uint64_t> pax_size_;
  std::optional<uint64_t> pending_meta_;
  std::string_view pending_meta_kind_;
};

}  // namespace

void read_tar_headers(const ByteSource& source, const TarEntryFiler& file) { HeaderReader(source, file).run(); }

}  // namespace ocipush
