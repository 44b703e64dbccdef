#include "ui/ui_bundle.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include "ui/ui_paths.h"

namespace praetor::ui {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPlaceholder = "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER";
constexpr const char* kReferenceFile = "UI_SERVE_BASE";

// The files Prefect rewrites (replace_placeholder_string_in_files' extensions).
bool holds_placeholder(const fs::path& file) {
  auto ext = file.extension().string();
  return ext == ".txt" || ext == ".html" || ext == ".css" || ext == ".js" || ext == ".json";
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return std::move(out).str();
}

core::Status write_file(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return core::Error::unavailable("cannot write " + path.string());
  return core::Ok{};
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

core::Status copy_with_base(const UiBundle& bundle, const fs::path& into) {
  std::string base = bundle.base_url == "/" ? "" : bundle.base_url;
  std::error_code ec;
  fs::create_directories(into, ec);
  if (ec) return core::Error::unavailable("cannot create " + into.string() + ": " + ec.message());
  for (auto it = fs::recursive_directory_iterator(bundle.source, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path target = into / fs::relative(it->path(), bundle.source);
    if (it->is_symlink()) continue;
    if (it->is_directory()) {
      fs::create_directories(target, ec);
      if (ec) break;
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (holds_placeholder(it->path())) {
      auto text = read_file(it->path());
      if (!text) return core::Error::unavailable("cannot read " + it->path().string());
      replace_all(*text, kPlaceholder, base);
      if (auto st = write_file(target, *text); !st) return st;
    } else {
      fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing, ec);
      if (ec) break;
    }
  }
  if (ec) return core::Error::unavailable("cannot copy " + bundle.source.string() + ": " + ec.message());
  return core::Ok{};
}

bool copy_is_current(const UiBundle& bundle, const std::string& key) {
  auto stored = read_file(bundle.static_dir / kReferenceFile);
  return stored && *stored == key;
}

// An exclusive flock held for the object's life (released by close, also when the process dies).
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

std::string_view version_name(UiVersion version) { return version == UiVersion::kV1 ? "v1" : "v2"; }

std::vector<UiBundle> describe_bundles(const config::Settings& settings) {
  const fs::path package(settings.prefect_package_dir);
  const fs::path root = settings.ui.static_directory.empty() ? fs::path(settings.home) / "ui_build"
                                                             : fs::path(settings.ui.static_directory);
  auto urls = resolve_base_urls(settings.ui.serve_base);
  std::error_code ec;
  fs::path v1_dir = fs::exists(root / kReferenceFile, ec) ? root : root / "v1";
  return {UiBundle{UiVersion::kV1, package / "server" / "ui", v1_dir, urls.v1},
          UiBundle{UiVersion::kV2, package / "server" / "ui-v2", root / "v2", urls.v2}};
}

std::string cache_key(const UiBundle& bundle) {
  std::vector<std::string> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(bundle.source, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || it->is_symlink()) continue;
    auto mtime = it->last_write_time(ec).time_since_epoch().count();
    entries.push_back(fs::relative(it->path(), bundle.source).string() + ":" + std::to_string(it->file_size(ec)) + ":" +
                      std::to_string(mtime));
  }
  std::sort(entries.begin(), entries.end());
  std::string all;
  for (const auto& e : entries) all += e + "\n";
  std::ostringstream key;
  key << "praetor:" << version_name(bundle.version) << ":" << bundle.base_url << ":" << bundle.source.string() << ":"
      << entries.size() << ":" << std::hex << std::hash<std::string>{}(all);
  return key.str();
}

core::Status prepare_bundle(const UiBundle& bundle) {
  std::error_code ec;
  if (!fs::is_regular_file(bundle.source / "index.html", ec)) {
    return core::Error::not_found("no built UI at " + bundle.source.string());
  }
  const std::string key = cache_key(bundle);
  if (copy_is_current(bundle, key)) return core::Ok{};
  const fs::path parent = bundle.static_dir.parent_path();
  fs::create_directories(parent, ec);
  if (ec) return core::Error::unavailable("cannot create " + parent.string() + ": " + ec.message());
  FileLock lock(parent / ("." + std::string(version_name(bundle.version)) + "_ui_static.lock"));
  if (!lock.held()) return core::Error::unavailable("cannot lock " + parent.string());
  if (copy_is_current(bundle, key)) return core::Ok{};  // another process made it while we waited

  const fs::path staging = parent / ("." + bundle.static_dir.filename().string() + ".staging");
  fs::remove_all(staging, ec);
  auto fail = [&](core::Status st) {
    fs::remove_all(staging, ec);
    return st;
  };
  if (auto st = copy_with_base(bundle, staging); !st) return fail(st);
  if (auto st = write_file(staging / kReferenceFile, key); !st) return fail(st);
  // When V1 lives in the static root itself (describe_bundles), the V2 copy inside it goes
  // with the old root and is made again by its own prepare_bundle.
  const fs::path old = parent / ("." + bundle.static_dir.filename().string() + ".old");
  fs::remove_all(old, ec);
  if (fs::exists(bundle.static_dir, ec)) {
    fs::rename(bundle.static_dir, old, ec);
    if (ec) return fail(core::Error::unavailable("cannot replace " + bundle.static_dir.string() + ": " + ec.message()));
  }
  fs::rename(staging, bundle.static_dir, ec);
  if (ec) return fail(core::Error::unavailable("cannot create " + bundle.static_dir.string() + ": " + ec.message()));
  fs::remove_all(old, ec);
  return core::Ok{};
}

}  // namespace praetor::ui
