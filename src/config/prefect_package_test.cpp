#include "config/prefect_package.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace praetor::config {
namespace {

namespace fs = std::filesystem;

// A directory shaped like the prefect package (or not), removed afterwards.
struct FakePackage {
  fs::path dir;
  explicit FakePackage(bool complete) {
    dir = fs::temp_directory_path() / ("praetor-pkg-" + std::to_string(::getpid()) + (complete ? "-a" : "-b"));
    fs::create_directories(dir / "server");
    if (complete) std::ofstream(dir / "__init__.py") << "";
  }
  ~FakePackage() { fs::remove_all(dir); }
};

Getenv env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(PrefectPackage, NamedDirectoryWinsWithoutAskingAnInterpreter) {
  FakePackage package(true);
  bool asked = false;
  auto found = find_prefect_package(env({{"PRAETOR_PREFECT_PACKAGE_DIR", package.dir.string()}}),
                                    [&](const std::string&) -> std::optional<std::string> {
                                      asked = true;
                                      return std::nullopt;
                                    });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->value_or(""), package.dir.string());
  EXPECT_FALSE(asked);
}

TEST(PrefectPackage, NamedDirectoryThatIsNotAPackageIsAnErrorNamingTheSetting) {
  FakePackage package(false);
  auto found = find_prefect_package(env({{"PRAETOR_PREFECT_PACKAGE_DIR", package.dir.string()}}),
                                    [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("PRAETOR_PREFECT_PACKAGE_DIR"), std::string::npos);
}

TEST(PrefectPackage, AsksTheVirtualEnvFirstThenPython3AndChecksTheAnswer) {
  FakePackage package(true);
  FakePackage not_package(false);
  std::vector<std::string> asked;
  auto found = find_prefect_package(env({{"VIRTUAL_ENV", "/venv"}}), [&](const std::string& python) {
    asked.push_back(python);
    // The virtual env answers a directory that is not the package; python3 answers the package.
    return std::optional<std::string>(python == "/venv/bin/python" ? not_package.dir.string() : package.dir.string());
  });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->value_or(""), package.dir.string());
  EXPECT_EQ(asked, (std::vector<std::string>{"/venv/bin/python", "python3"}));
}

TEST(PrefectPackage, NoneFoundIsNotAnError) {
  auto found = find_prefect_package(env({}), [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
}

TEST(PrefectPackage, AnInterpreterThatCannotRunAnswersNothing) {
  EXPECT_FALSE(locate_with_interpreter("/nonexistent/bin/python").has_value());
}

}  // namespace
}  // namespace praetor::config
