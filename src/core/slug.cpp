#include "core/slug.h"

#include <array>
#include <random>
#include <string_view>

namespace praetor::core {
namespace {

constexpr std::array<std::string_view, 64> kAdjectives = {
    "amber",   "ancient", "azure",   "bold",    "brave",   "bright",  "brisk",   "calm",
    "clever",  "cobalt",  "cosmic",  "crimson", "curious", "daring",  "dazzling", "eager",
    "electric", "emerald", "fancy",  "fearless", "fiery",  "gentle",  "gilded",  "glowing",
    "golden",  "graceful", "hidden", "humble",  "icy",     "indigo",  "jolly",   "keen",
    "lively",  "lucky",   "lunar",   "magenta", "mellow",  "mighty",  "misty",   "nimble",
    "noble",   "olive",   "pastel",  "placid",  "proud",   "quick",   "quiet",   "rapid",
    "robust",  "rustic",  "scarlet", "serene",  "silver",  "smart",   "solar",   "spry",
    "steady",  "stellar", "swift",   "tireless", "vivid",  "warm",    "wise",    "zealous"};

constexpr std::array<std::string_view, 64> kAnimals = {
    "albatross", "antelope", "badger",  "beaver",   "bison",    "bobcat",  "buffalo",  "camel",
    "caribou",   "cheetah",  "condor",  "cougar",   "coyote",   "crane",   "dingo",    "dolphin",
    "eagle",     "elk",      "falcon",  "ferret",   "finch",    "fox",     "gazelle",  "gecko",
    "gibbon",    "heron",    "hyena",   "ibex",     "iguana",   "jackal",  "jaguar",   "kestrel",
    "koala",     "lemur",    "leopard", "lion",     "llama",    "lynx",    "marmot",   "mink",
    "moose",     "narwhal",  "ocelot",  "orca",     "osprey",   "otter",   "owl",      "panda",
    "panther",   "pelican",  "puffin",  "quail",    "raccoon",  "raven",   "seal",     "sparrow",
    "stork",     "tapir",    "tiger",   "toucan",   "walrus",   "weasel",  "wolf",     "zebra"};

}  // namespace

std::string generate_slug() {
  thread_local std::mt19937 gen{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, 63);
  std::string out(kAdjectives[pick(gen)]);
  out.push_back('-');
  out.append(kAnimals[pick(gen)]);
  return out;
}

}  // namespace praetor::core
