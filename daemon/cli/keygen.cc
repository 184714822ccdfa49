// `newswatch keygen`: a CURVE key pair for the daemon or a subscriber, written
// as NAME.key (secret) and NAME.pub (daemon/curve.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "daemon/cli/command.h"
#include "daemon/curve.h"

namespace nw::cli {
namespace {

struct KeygenOptions {
  std::string base;  // path and name of the key files, without extension
};

int run_keygen(const KeygenOptions& o) {
  auto keys = generate_curve_key_pair();
  if (!keys) {
    std::cerr << "newswatch keygen: " << keys.error().message << "\n";
    return 1;
  }
  if (auto r = write_curve_key_pair(o.base, *keys); !r) {
    std::cerr << "newswatch keygen: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << o.base << ".key (secret, keep it private) and " << o.base
            << ".pub (public: " << keys->public_key << ")\n";
  return 0;
}

}  // namespace

Run setup_keygen(CLI::App& app) {
  auto o = std::make_shared<KeygenOptions>();
  app.add_option("name", o->base, "path and name of the key files, without extension")->required();
  return [o] { return run_keygen(*o); };
}

}  // namespace nw::cli
