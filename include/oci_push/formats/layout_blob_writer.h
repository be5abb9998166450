// One blob into a layout's blobs/ directory: written to "<hex>.partial" (or a temporary name when the
// digest is not known yet), renamed to "<hex>" once its digest is confirmed. A partial file another run
// left is continued (its bytes are given back for hashing); one another process is writing is waited for.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "oci_push/model/image_sink.h"

namespace ocipush {

class LayoutBlobWriter : public BlobWriter {
 public:
  // `blobs_dir` is the layout's blobs/; `blob`: digest and size, when known up front.
  LayoutBlobWriter(std::string blobs_dir, std::optional<Descriptor> blob);
  ~LayoutBlobWriter() override;
  LayoutBlobWriter(const LayoutBlobWriter&) = delete;
  LayoutBlobWriter& operator=(const LayoutBlobWriter&) = delete;

  void write(std::string_view data) override;
  void finish(const Digest& digest) override;
  std::optional<BlobSession> take_session() override;
  std::shared_ptr<const ByteSource> take_held() override;

 private:
  std::string final_path(const Digest& digest) const;

  std::string blobs_dir_;
  std::optional<Descriptor> blob_;
  std::string partial_;
  int fd_ = -1;
  uint64_t held_ = 0;      // bytes the partial file had when it was opened
  uint64_t position_ = 0;  // where the next write goes
  bool started_ = false;   // a write came, or the held bytes were taken
  bool complete_ = false;  // another writer finished this blob while this one waited for it
  bool finished_ = false;
  bool kept_ = false;  // the partial file stays for a resume
};

}  // namespace ocipush
