// A temporary directory removed with the test, and deterministic incompressible bytes.
#pragma once
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>

namespace ocipush::testing {

struct ScratchDir {
  std::filesystem::path dir;
  explicit ScratchDir(const std::string& prefix = "oci_push_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
  }
  ~ScratchDir() { std::filesystem::remove_all(dir); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

// `size` bytes that gzip cannot shrink, the same for the same seed.
inline std::string noise(size_t size, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::string s(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng();
    std::memcpy(s.data() + i, &v, 8);
  }
  return s;
}

}  // namespace ocipush::testing
