#include "dstream/stream_test_support.hpp"

namespace rill::test {
namespace {

using KV = std::pair<int, int>;

TEST(DStreamPairOps, ReduceByKeyAndGroupByKeyPerBatch) {
  StreamHarness h;
  auto batches = pair_batches(8, 5);
  auto in = h.ssc.queue_stream(h.queue_of(batches, 3));
  Collector<KV> reduced(in.reduce_by_key(std::plus<>{}, 4));
  Collector<std::pair<int, std::vector<int>>> grouped(
      in.group_by_key().map([](std::pair<int, std::vector<int>> kv) {
        std::sort(kv.second.begin(), kv.second.end());
        return kv;
      }));
  h.ssc.start();
  h.run_batches(8);
  h.ssc.stop();
  auto r = reduced.in_order();
  auto g = grouped.in_order();
  ASSERT_EQ(r.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    std::map<int, int> sums;
    std::map<int, std::vector<int>> groups;
    for (auto [k, v] : batches[i]) {
      sums[k] += v;
      groups[k].push_back(v);
    }
    EXPECT_EQ(r[i], (std::vector<KV>(sums.begin(), sums.end()))) << i;
    std::vector<std::pair<int, std::vector<int>>> want;
    for (auto& [k, vs] : groups) want.emplace_back(k, sorted(vs));
    EXPECT_EQ(g[i], want) << i;
  }
}

TEST(DStreamPairOps, JoinsAndCogroupPerBatch) {
  StreamHarness h;
  auto a = pair_batches(6, 4, 3, 1);
  auto b = pair_batches(6, 4, 4, 2);
  auto sa = h.ssc.queue_stream(h.queue_of(a));
  auto sb = h.ssc.queue_stream(h.queue_of(b));
  Collector<std::pair<int, std::pair<int, int>>> inner(sa.join(sb));
  Collector<std::pair<int, std::pair<int, std::optional<int>>>> left(sa.left_outer_join(sb));
  Collector<std::pair<int, std::pair<std::optional<int>, int>>> right(sa.right_outer_join(sb));
  Collector<std::pair<int, std::pair<std::optional<int>, std::optional<int>>>> full(
      sa.full_outer_join(sb, 3));
  Collector<std::pair<int, std::pair<std::vector<int>, std::vector<int>>>> cg(
      sa.cogroup(sb).map([](std::pair<int, std::pair<std::vector<int>, std::vector<int>>> x) {
        std::sort(x.second.first.begin(), x.second.first.end());
        std::sort(x.second.second.begin(), x.second.second.end());
        return x;
      }));
  h.ssc.start();
  h.run_batches(6);
  h.ssc.stop();
  for (std::size_t i = 0; i < 6; ++i) {
    std::vector<std::pair<int, std::pair<int, int>>> wi;
    std::vector<std::pair<int, std::pair<int, std::optional<int>>>> wl;
    std::vector<std::pair<int, std::pair<std::optional<int>, int>>> wr;
    std::vector<std::pair<int, std::pair<std::optional<int>, std::optional<int>>>> wf;
    std::map<int, std::pair<std::vector<int>, std::vector<int>>> wc;
    for (auto [k, v] : a[i]) {
      bool any = false;
      for (auto [k2, w] : b[i])
        if (k == k2) {
          wi.push_back({k, {v, w}});
          wl.push_back({k, {v, w}});
          wf.push_back({k, {v, w}});
          any = true;
        }
      if (!any) {
        wl.push_back({k, {v, std::nullopt}});
        wf.push_back({k, {v, std::nullopt}});
      }
      wc[k].first.push_back(v);
    }
    for (auto [k, w] : b[i]) {
      bool any = false;
      for (auto [k2, v] : a[i])
        if (k == k2) {
          wr.push_back({k, {v, w}});
          any = true;
        }
      if (!any) {
        wr.push_back({k, {std::nullopt, w}});
        wf.push_back({k, {std::nullopt, w}});
      }
      wc[k].second.push_back(w);
    }
    const Time t = Duration{100 * static_cast<int>(i + 1)};
    EXPECT_EQ(inner.batches()[t], sorted(wi)) << i;
    EXPECT_EQ(left.batches()[t], sorted(wl)) << i;
    EXPECT_EQ(right.batches()[t], sorted(wr)) << i;
    EXPECT_EQ(full.batches()[t], sorted(wf)) << i;
    std::vector<std::pair<int, std::pair<std::vector<int>, std::vector<int>>>> wcv;
    for (auto& [k, g] : wc) wcv.push_back({k, {sorted(g.first), sorted(g.second)}});
    EXPECT_EQ(cg.batches()[t], wcv) << i;
  }
}

TEST(DStreamPairOps, TransformUnionRepartitionMapPartitions) {
  StreamHarness h;
  std::vector<std::vector<int>> a{{1, 2}, {3}, {}, {4, 5, 6}};
  std::vector<std::vector<int>> b{{10}, {}, {20, 30}, {40}};
  auto sa = h.ssc.queue_stream(h.queue_of(a));
  auto sb = h.ssc.queue_stream(h.queue_of(b));
  Collector<int> u(sa.union_with(sb).repartition(3));
  Collector<std::int64_t> mp(sa.map_partitions([](const std::vector<int>& part) {
    return std::vector<std::int64_t>{static_cast<std::int64_t>(part.size())};
  }));
  Collector<std::pair<std::int64_t, int>> tr(sa.transform([](const Rdd<int>& r, Time t) {
    return r.map([t](int x) { return std::pair<std::int64_t, int>(t.count(), x); });
  }));
  Collector<int> tr1(
      sa.transform([](const Rdd<int>& r) { return r.map([](int x) { return -x; }); }));
  Collector<std::pair<int, int>> tw(
      sa.transform_with(sb, [](const Rdd<int>& x, const Rdd<int>& y) { return x.cartesian(y); }));
  Collector<std::int64_t> tw_t(
      sa.transform_with(sb, [](const Rdd<int>& x, const Rdd<int>& y, Time t) {
        return x.union_with(y).map([t](int v) { return t.count() + v; });
      }));
  h.ssc.start();
  h.run_batches(4);
  h.ssc.stop();
  for (std::size_t i = 0; i < 4; ++i) {
    const Time t = Duration{100 * static_cast<int>(i + 1)};
    std::vector<int> both = a[i];
    both.insert(both.end(), b[i].begin(), b[i].end());
    EXPECT_EQ(u.batches()[t], sorted(both));
    auto parts = mp.batches()[t];
    std::int64_t total = 0;
    for (auto p : parts) total += p;
    EXPECT_EQ(total, static_cast<std::int64_t>(a[i].size()));
    std::vector<std::pair<std::int64_t, int>> wt;
    std::vector<int> neg;
    std::vector<std::pair<int, int>> cart;
    std::vector<std::int64_t> plus_t;
    for (int x : a[i]) {
      wt.push_back({t.count(), x});
      neg.push_back(-x);
      for (int y : b[i]) cart.push_back({x, y});
    }
    for (int v : both) plus_t.push_back(t.count() + v);
    EXPECT_EQ(tr.batches()[t], sorted(wt));
    EXPECT_EQ(tr1.batches()[t], sorted(neg));
    EXPECT_EQ(tw.batches()[t], sorted(cart));
    EXPECT_EQ(tw_t.batches()[t], sorted(plus_t));
  }
}

}  // namespace
}  // namespace rill::test
