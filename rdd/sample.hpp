// sample(with_replacement, fraction, seed): Bernoulli sampling, or Poisson sampling with
// replacement (Spark's sample). Narrow; each partition seeds its own generator from
// (seed, partition), so a recomputed partition draws the same sample.
#pragma once
#include <random>
#include <rill/rdd/narrow_node.hpp>

namespace rill {

template <class T>
Rdd<T> Rdd<T>::sample(bool with_replacement, double fraction, std::uint64_t seed) const {
  if (!(fraction >= 0.0) || (!with_replacement && fraction > 1.0))
    throw std::invalid_argument(
        "sample: fraction must be in [0, 1] without replacement and >= 0 "
        "with replacement, got " +
        std::to_string(fraction));
  return detail::make_narrow<T>(
      *this,
      [=](std::size_t p) {
        return
            [=, rng = std::mt19937_64(seed ^ detail::mix_hash(p + 1))](T& x, auto& emit) mutable {
              if (with_replacement) {
                if (fraction == 0.0) return;  // a Poisson mean must be > 0
                std::poisson_distribution<int> d(fraction);
                for (int k = d(rng); k > 0; --k) emit(x);
              } else {
                std::uniform_real_distribution<double> d(0.0, 1.0);
                if (d(rng) < fraction) emit(std::move(x));
              }
            };
      },
      "sample", true);
}

}  // namespace rill
