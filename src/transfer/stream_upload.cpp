#include "oci_push/transfer/stream_upload.h"

#include <memory>

#include "oci_push/codec/layer_digests.h"
#include "oci_push/http/retry.h"
#include "oci_push/transfer/layer_push.h"

namespace ocipush {

namespace {

struct SentFile {
  StreamedBlob blob;
  Descriptor sent;  // what the sink got: the file, or its compressed form
};

SentFile send_file(const std::string& path, LayerCompression compression, const ByteReader& read, PushContext& context,
                   const ByteSink& out) {
  SentFile file;
  file.blob.stored_compression = compression;
  uint64_t size = 0;
  if (compression == LayerCompression::None) {
    auto counting = [&](char* buf, size_t len) {
      size_t n = read(buf, len);
      size += n;
      return n;
    };
    auto digests = compress_stream(context.options.codec, counting, context.pool, out, nullptr, context.stop,
                                   gzip_window(context));
    file.blob.stored_digest = file.blob.uncompressed = digests.uncompressed;
    file.sent = {"", digests.compressed, digests.compressed_size, {}, {}};
  } else {
    UncompressedDigester digester(compression, path);
    file.blob.stored_digest = hash_stream(read, nullptr, context.stop, [&](std::string_view b) {
      size += b.size();
      digester.update(b);
      out(b);
    });
    file.blob.uncompressed = digester.finish();
    file.sent = {"", file.blob.stored_digest, size, {}, {}};
  }
  file.blob.stored_size = size;
  return file;
}

}  // namespace

StreamedFileHandler stream_uploader(ImageSink& sink, const std::string& repo, PushContext& context) {
  return [&sink, repo, &context](const std::string& path, LayerCompression compression, const ByteReader& read) {
    const PushOptions& options = context.options;
    RetryPolicy policy = options.connection.retry;
    policy.stop = &context.stop;
    RetryBudget budget(policy);
    RetryScope scope(budget);
    std::unique_ptr<BlobWriter> writer;
    BlobStart start;
    start.sending = compressed_sending(options.codec);
    if (!options.dry_run) writer = sink.start_blob(repo, start);
    SentFile file = send_file(path, compression, read, context, [&](std::string_view b) {
      if (writer) writer->write(b);
    });
    const LayerCompression sent_as = compression == LayerCompression::None ? options.codec.compression : compression;
    file.blob.delivered = RegistryBlob{sink.name(), repo, file.sent, sent_as};
    if (writer) writer->finish(file.sent.digest);
    context.progress.event("streamed " + path + ": " + (options.dry_run ? "digested " : "uploaded ") +
                           human_size(file.sent.size) + " as " + short_digest(file.sent.digest));
    return file.blob;
  };
}

}  // namespace ocipush
