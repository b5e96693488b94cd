// The main() of the examples: options parsed by the example, --help and bad options
// answered with its usage, errors printed with the program's name and an exit code a
// script can test (0 done, 1 failed, 2 bad command line).
#pragma once
#include <exception>
#include <iostream>
#include <stdexcept>

namespace rill::examples {

// parse(argc, argv) returns an empty optional for --help and throws
// std::invalid_argument for a bad option; run(options) returns the exit code.
template <class Parse, class Usage, class Run>
int example_main(int argc, char** argv, Parse parse, Usage usage, Run run) {
  try {
    auto options = parse(argc, argv);
    if (!options) {
      usage(argv[0]);
      return 0;
    }
    return run(*options);
  } catch (const std::invalid_argument& e) {
    std::cerr << argv[0] << ": " << e.what() << '\n';
    usage(argv[0]);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << argv[0] << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace rill::examples
