#include "config/prefect_package.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <system_error>

namespace praetor::config {

namespace fs = std::filesystem;

bool is_prefect_package(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "__init__.py", ec) && fs::is_directory(fs::path(dir) / "server", ec);
}

std::optional<std::string> locate_with_interpreter(const std::string& python) {
  // find_spec resolves the package's directory without running its __init__.
  const std::string command =
      "'" + python +
      "' -c \"import importlib.util as u; s = u.find_spec('prefect'); "
      "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')\" 2>/dev/null";
  if (python.find('\'') != std::string::npos) return std::nullopt;  // not quotable; not ours to run
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::string out;
  std::array<char, 512> buffer{};
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

core::Result<std::optional<std::string>> find_prefect_package(const Getenv& getenv, const LocatePackage& locate) {
  if (auto named = getenv("PRAETOR_PREFECT_PACKAGE_DIR"); named && !named->empty()) {
    if (!is_prefect_package(*named)) {
      return core::Error::invalid(
          "PRAETOR_PREFECT_PACKAGE_DIR does not name a prefect package directory (one holding __init__.py and "
          "server/, such as …/site-packages/prefect)");
    }
    return std::optional<std::string>(*named);
  }
  std::vector<std::string> interpreters;
  if (auto venv = getenv("VIRTUAL_ENV"); venv && !venv->empty()) interpreters.push_back(*venv + "/bin/python");
  interpreters.push_back("python3");
  for (const auto& python : interpreters) {
    auto dir = locate(python);
    if (dir && !dir->empty() && is_prefect_package(*dir)) return std::optional<std::string>(*dir);
  }
  return std::optional<std::string>();
}

}  // namespace praetor::config
