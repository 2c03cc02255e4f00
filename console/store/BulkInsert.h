// SPDX-License-Identifier: MIT
#pragma once

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <memory>
#include <optional>
#include <string>

struct sqlite3_stmt;

namespace dmr::console {

// One prepared multi-row INSERT, bound value by value. On SQLite it binds
// through the native statement of the QtSql connection (QSqlDriver::handle()),
// skipping QtSql's per-value placeholder bookkeeping, which costs more than the
// insert itself at tens of thousands of rows a second; on any other driver it
// uses QSqlQuery. The SQL text is the same either way.
class BulkInsert
{
public:
    enum class Binding { Native, QtSql };

    // suffix follows the VALUES, e.g. an ON CONFLICT clause.
    BulkInsert(QSqlDatabase db, const QString &table, const QStringList &columns, int rows,
        Binding binding = Binding::Native, const QString &suffix = QString());
    ~BulkInsert();
    BulkInsert(const BulkInsert &) = delete;
    BulkInsert &operator=(const BulkInsert &) = delete;

    bool prepare(QString *error);
    int rows() const { return m_rows; }
    bool isNative() const { return m_statement != nullptr; }

    // index counts from 0 over all rows' values: row * columns + column.
    void bind(int index, qint64 value);
    void bind(int index, double value);
    void bind(int index, const std::string &value);
    void bind(int index, std::optional<double> value); // NULL when empty
    // A BLOB (BYTEA on PostgreSQL), not text: the bytes need not be UTF-8.
    void bindBlob(int index, const std::string &bytes);
    bool exec(QString *error);

private:
    QSqlDatabase m_db;
    QString m_sql;
    int m_rows;
    Binding m_binding;
    sqlite3_stmt *m_statement = nullptr;
    std::unique_ptr<QSqlQuery> m_query;
};

} // namespace dmr::console
