// TableSink<T, Table>: the foreach_rdd callback behind SqliteSink and PostgresSink (Spark's
// transactional foreachRDD pattern: results and progress in one commit). It maps T to
// columns at compile time, collects the batch on the driver and hands it to Table, the
// database-specific part, which writes it in one transaction unless the batch time is
// already recorded. Cost: one collect per batch, then one thread writes the rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <rill/dstream/time.hpp>
#include <rill/io/sink_mode.hpp>
#include <rill/io/sql_columns.hpp>
#include <rill/io/sql_table_spec.hpp>
#include <rill/rdd/actions.hpp>
#include <rill/rdd/rdd.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace rill::detail {

// The exactly-once protocol of one batch, the same for every database: in one
// transaction, skip the batch if its time is not after the recorded progress, else write
// the rows and move the progress to it. Any error rolls the whole batch back. Tx provides
// begin, progress (read inside the transaction), set_progress, commit and rollback (which
// must not throw). Returns whether the batch was written.
template <class Tx, class WriteRows>
bool write_batch_once(Tx& tx, std::int64_t batch_time_ms, WriteRows&& write_rows) {
  tx.begin();
  try {
    if (auto done = tx.progress(); done && batch_time_ms <= *done) {
      tx.rollback();
      return false;
    }
    write_rows();
    tx.set_progress(batch_time_ms);
    tx.commit();
    return true;
  } catch (...) {
    tx.rollback();
    throw;
  }
}

template <class T, class Table>
class TableSink {
  using Columns = SqlColumns<std::remove_cv_t<T>>;

 public:
  // target: what Table connects to (a file, a conninfo). columns: one name per flattened
  // field of T, in order. upsert: the first key_columns columns are the key. sink_id
  // names this output's row in rill_progress (empty: the table's name); two outputs
  // writing one table need different ids.
  TableSink(std::string target, std::string table, std::vector<std::string> columns,
            SinkMode mode = SinkMode::append, std::size_t key_columns = 1, std::string sink_id = {})
      : table_(std::make_shared<Table>(
            std::move(target),
            spec(std::move(table), std::move(columns), mode, key_columns, std::move(sink_id)))) {}

  // The foreach_rdd callback. Copies share one connection.
  void operator()(const Rdd<T>& rdd, Time batch_time) const {
    const std::int64_t t = batch_time.count();
    // A re-run batch that is already in the database is not even computed. The check is
    // repeated inside the transaction, which is what makes it exactly-once.
    if (auto done = table_->committed_batch_time(); done && t <= *done) return;
    const std::vector<T> rows = rdd.collect();
    table_->write_batch(t, [&rows](typename Table::Row& row) {
      for (const auto& e : rows) {
        Columns::bind(e, row);
        row.insert();
      }
    });
  }

  std::optional<Time> committed_batch_time() const {
    auto t = table_->committed_batch_time();
    return t ? std::optional<Time>(Time{*t}) : std::nullopt;
  }

 private:
  static SqlTableSpec spec(std::string table, std::vector<std::string> columns, SinkMode mode,
                           std::size_t key_columns, std::string sink_id) {
    if (columns.size() != Columns::arity)
      throw std::invalid_argument(std::string(Table::kSinkName) + ": table '" + table + "': " +
                                  std::to_string(columns.size()) + " column names given for " +
                                  std::to_string(Columns::arity) + " columns of the element type");
    std::vector<SqlType> types;
    Columns::types(types);
    return SqlTableSpec(Table::kSinkName, std::move(table), std::move(columns), std::move(types),
                        mode, key_columns, std::move(sink_id));
  }

  std::shared_ptr<Table> table_;
};

}  // namespace rill::detail
