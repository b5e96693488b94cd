// fraud_detection: the pipeline of examples/fraud_detection.cpp, shared with its test.
// Card transactions arrive as JetStream messages ("id card amount"); per card, a sliding
// window counts the transactions and sums their amounts (reduce_by_key_and_window with an
// inverse); each transaction of a batch is joined with its card's window, and, through
// `transform`, with a static RDD of card limits; it is flagged when its card made more
// than `max_transactions` in the window or the window's amount is above the card's limit.
#pragma once
#include <cstdint>
#include <random>
#include <rill/rill.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace fraud {

struct Transaction {
  long id;
  std::string card;
  long amount;  // in cents
};

inline std::string to_payload(const Transaction& t) {
  return std::to_string(t.id) + " " + t.card + " " + std::to_string(t.amount);
}

// A malformed payload throws (and fails the batch): the example's own publisher wrote it.
inline Transaction parse(const std::string& payload) {
  const auto a = payload.find(' '), b = payload.rfind(' ');
  if (a == std::string::npos || a == b)
    throw std::invalid_argument("fraud_detection: malformed transaction '" + payload + "'");
  return {std::stol(payload.substr(0, a)), payload.substr(a + 1, b - a - 1),
          std::stol(payload.substr(b + 1))};
}

// Deterministic input: `cards` cards, mostly small purchases; every 97th transaction
// starts a burst of 8 on one card (a stolen card being tried), some of them large.
inline std::vector<Transaction> generate_transactions(long n, int cards, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> card(0, cards - 1);
  std::uniform_int_distribution<long> small(100, 9'000), large(20'000, 150'000);
  std::vector<Transaction> out;
  for (long id = 1; id <= n;) {
    if (id % 97 == 0) {
      const auto c = "card-" + std::to_string(card(rng));
      for (int i = 0; i < 8 && id <= n; ++i, ++id)
        out.push_back({id, c, i % 3 == 2 ? large(rng) : small(rng)});
    } else {
      out.push_back({id, "card-" + std::to_string(card(rng)), small(rng)});
      ++id;
    }
  }
  return out;
}

// Per card, the most it may spend inside one window, in cents.
inline std::vector<std::pair<std::string, long>> card_limits(int cards, std::uint32_t seed) {
  std::mt19937 rng(seed ^ 0x5eedU);
  std::uniform_int_distribution<long> limit(50'000, 300'000);
  std::vector<std::pair<std::string, long>> out;
  for (int c = 0; c < cards; ++c) out.emplace_back("card-" + std::to_string(c), limit(rng));
  return out;
}

struct Rules {
  rill::Duration window{10'000};
  rill::Duration slide{1'000};
  long max_transactions = 5;  // more than this many in the window flags
};

// (transaction id, card, amount, window count, window amount, card limit)
using Flagged = std::tuple<long, std::string, long, long, long, long>;
inline const std::vector<std::string> kFlaggedColumns{
    "tx_id", "card", "amount", "window_count", "window_amount", "card_limit"};

inline rill::DStream<Flagged> flag_transactions(
    const rill::DStream<rill::JetStreamMessage>& messages,
    const rill::Rdd<std::pair<std::string, long>>& limits, const Rules& rules) {
  using Stats = std::pair<long, long>;  // (transactions, amount)
  auto by_card = messages.map([](const rill::JetStreamMessage& m) {
    auto t = parse(m.payload);
    return std::pair{t.card, std::pair{t.id, t.amount}};
  });
  auto windows =
      by_card.map([](const auto& kv) {
               return std::pair{kv.first, Stats{1, kv.second.second}};
             })
          .reduce_by_key_and_window(
              [](const Stats& a, const Stats& b) {
                return Stats{a.first + b.first, a.second + b.second};
              },
              [](const Stats& a, const Stats& b) {
                return Stats{a.first - b.first, a.second - b.second};
              },
              rules.window, rules.slide);
  const long max_transactions = rules.max_transactions;
  return by_card.join(windows)
      .transform([limits](const auto& rdd) { return rdd.join(limits); })
      .filter([max_transactions](const auto& row) {
        const auto& [tx, stats] = row.second.first;
        return stats.first > max_transactions || stats.second > row.second.second;
      })
      .map([](const auto& row) {
        const auto& [tx, stats] = row.second.first;
        return Flagged{tx.first,    row.first,    tx.second,
                       stats.first, stats.second, row.second.second};
      });
}

}  // namespace fraud
