// rill_make_sample_log: writes the demo's sample Apache access log to stdout, for looking
// at it, or for feeding it to rill_demo --file / any other tool.
//   rill_make_sample_log [--lines 50000] [--seconds 10] [--seed 20260314] > access.log
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "sample_log.hpp"

int main(int argc, char** argv) {
  long long lines = 50'000;
  double seconds = 10;
  unsigned long long seed = 20260314;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--lines" && has_value) {
      lines = std::atoll(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--seed" && has_value) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::cerr << "usage: " << argv[0] << " [--lines N] [--seconds S] [--seed X] > access.log\n";
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  rill::examples::SampleLog log(seconds, seed);
  std::string out;
  for (long long i = 0; i < lines; ++i) {
    out += log.line(seconds * static_cast<double>(i) / static_cast<double>(lines));
    out += '\n';
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
