#include <rill/io/sql_table_spec.hpp>
#include <set>
#include <stdexcept>

namespace rill::detail {

std::string sql_quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

SqlTableSpec::SqlTableSpec(const char* sink_name_, std::string table_,
                           std::vector<std::string> columns_, std::vector<SqlType> types_,
                           SinkMode mode_, std::size_t key_columns_, std::string sink_id_)
    : sink_name(sink_name_),
      table(std::move(table_)),
      columns(std::move(columns_)),
      types(std::move(types_)),
      mode(mode_),
      key_columns(mode_ == SinkMode::upsert ? key_columns_ : 0),
      sink_id(sink_id_.empty() ? table : std::move(sink_id_)) {
  const std::string prefix = std::string(sink_name) + ": ";
  if (table.empty()) throw std::invalid_argument(prefix + "the table name is empty");
  std::set<std::string> seen;
  for (const auto& c : columns) {
    if (c.empty())
      throw std::invalid_argument(prefix + "table '" + table + "': a column name is empty");
    if (!seen.insert(c).second)
      throw std::invalid_argument(prefix + "table '" + table + "': column '" + c +
                                  "' is named twice");
  }
  if (mode == SinkMode::upsert && (key_columns_ == 0 || key_columns_ > columns.size()))
    throw std::invalid_argument(prefix + "table '" + table + "': upsert needs 1 to " +
                                std::to_string(columns.size()) + " key columns, got " +
                                std::to_string(key_columns_));
}

std::string SqlTableSpec::column_list() const {
  std::string out;
  for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + sql_quoted(columns[i]);
  return out;
}

std::string SqlTableSpec::key_list() const {
  std::string out;
  for (std::size_t i = 0; i < key_columns; ++i) out += (i ? ", " : "") + sql_quoted(columns[i]);
  return out;
}

std::string SqlTableSpec::create_table(SqlTypeNames names) const {
  std::string cols;
  for (std::size_t i = 0; i < columns.size(); ++i)
    cols += (i ? ", " : "") + sql_quoted(columns[i]) + " " + names(types[i]);
  const std::string keys = key_list();
  return "CREATE TABLE IF NOT EXISTS " + sql_quoted(table) + "(" + cols +
         (keys.empty() ? "" : ", PRIMARY KEY(" + keys + ")") + ")";
}

std::string SqlTableSpec::insert_head() const {
  return "INSERT INTO " + sql_quoted(table) + "(" + column_list() + ")";
}

std::string SqlTableSpec::create_progress_table(SqlTypeNames names) {
  return std::string("CREATE TABLE IF NOT EXISTS rill_progress(sink ") + names(SqlType::text) +
         " PRIMARY KEY, batch_time_ms " + names(SqlType::integer) + " NOT NULL)";
}

std::string SqlTableSpec::conflict_clause() const {
  std::string set;
  for (std::size_t i = key_columns; i < columns.size(); ++i)
    set += (set.empty() ? "" : ", ") + sql_quoted(columns[i]) + " = excluded." +
           sql_quoted(columns[i]);
  return " ON CONFLICT(" + key_list() + ") DO " + (set.empty() ? "NOTHING" : "UPDATE SET " + set);
}

void SqlTableSpec::check_existing(const std::vector<std::pair<std::string, std::string>>& existing,
                                  bool (*holds)(const std::string& declared, SqlType),
                                  SqlTypeNames names, const std::string& where) const {
  auto mismatch = [&](const std::string& what) {
    throw std::runtime_error(std::string(sink_name) + ": table '" + table + "' in " + where +
                             " does not match the sink's columns: " + what);
  };
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i >= existing.size())
      mismatch("column " + std::to_string(i + 1) + " '" + columns[i] + "' " + names(types[i]) +
               " is missing");
    const auto& [name, declared] = existing[i];
    if (name != columns[i])
      mismatch("column " + std::to_string(i + 1) + " is '" + name + "', expected '" + columns[i] +
               "'");
    if (!holds(declared, types[i]))
      mismatch("column '" + name + "' is declared '" + declared + "', expected " + names(types[i]));
  }
  if (existing.size() > columns.size())
    mismatch("it has " + std::to_string(existing.size()) + " columns (column '" +
             existing[columns.size()].first + "' and more), the sink writes " +
             std::to_string(columns.size()));
}

}  // namespace rill::detail
