// Reading a tar's header blocks (ustar, GNU long names, pax records) in one pass, for TarIndex::build.
#pragma once
#include <functional>
#include <string>

#include "oci_push/io/byte_source.h"
#include "oci_push/io/tar_index.h"

namespace ocipush {

// What the index made of an entry: the name it is filed under ("" when it is not filed, as the archive
// root is not), or what is wrong with it ("" when nothing is).
struct FiledTarEntry {
  std::string name;
  std::string problem;
};

// Takes an entry as its headers describe it: the name as stored (pax path, GNU long name, or ustar
// prefix and name), the entry without its name.
using TarEntryFiler = std::function<FiledTarEntry(const std::string& raw_name, TarEntry entry)>;

// Reads every header of `source` in order, handing each entry to `file`. Throws Error naming
// `source.name()` for: not a tar, a bad header checksum, a size field or pax record that does not parse,
// data that runs past the end (truncated), a pax or GNU header followed by no entry, and what `file`
// refuses (with the entry's offset).
void read_tar_headers(const ByteSource& source, const TarEntryFiler& file);

}  // namespace ocipush
