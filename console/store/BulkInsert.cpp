// SPDX-License-Identifier: MIT
#include "store/BulkInsert.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QStringList>
#include <sqlite3.h>

namespace dmr::console {

BulkInsert::BulkInsert(QSqlDatabase db, const QString &table, const QStringList &columns, int rows,
    Binding binding, const QString &suffix)
    : m_db(std::move(db))
    , m_rows(rows)
    , m_binding(binding)
{
    const QString row = QLatin1Char('(')
        + QStringList(QStringList::size_type(columns.size()), QStringLiteral("?"))
              .join(QLatin1Char(','))
        + QLatin1Char(')');
    m_sql = QStringLiteral("INSERT INTO %1 (%2) VALUES %3")
                .arg(table, columns.join(QStringLiteral(", ")),
                    QStringList(QStringList::size_type(rows), row).join(QLatin1Char(',')));
    if (!suffix.isEmpty())
        m_sql += QLatin1Char(' ') + suffix;
}

BulkInsert::~BulkInsert()
{
    if (m_statement)
        sqlite3_finalize(m_statement);
}

bool BulkInsert::prepare(QString *error)
{
    const QVariant handle = m_db.driver()->handle();
    if (m_binding == Binding::Native && qstrcmp(handle.typeName(), "sqlite3*") == 0) {
        sqlite3 *connection = *static_cast<sqlite3 *const *>(handle.constData());
        const QByteArray sql = m_sql.toUtf8();
        if (sqlite3_prepare_v2(connection, sql.constData(), int(sql.size()), &m_statement, nullptr)
            != SQLITE_OK) {
            *error = QStringLiteral("cannot prepare %1: %2")
                         .arg(m_sql.left(60), QString::fromUtf8(sqlite3_errmsg(connection)));
            m_statement = nullptr;
            return false;
        }
        return true;
    }
    m_query = std::make_unique<QSqlQuery>(m_db);
    if (!m_query->prepare(m_sql)) {
        *error = QStringLiteral("cannot prepare %1: %2")
                     .arg(m_sql.left(60), m_query->lastError().text());
        return false;
    }
    return true;
}

void BulkInsert::bind(int index, qint64 value)
{
    if (m_statement)
        sqlite3_bind_int64(m_statement, index + 1, value);
    else
        m_query->bindValue(index, value);
}

void BulkInsert::bind(int index, double value)
{
    if (m_statement)
        sqlite3_bind_double(m_statement, index + 1, value);
    else
        m_query->bindValue(index, value);
}

void BulkInsert::bind(int index, const std::string &value)
{
    if (m_statement)
        sqlite3_bind_text(
            m_statement, index + 1, value.data(), int(value.size()), SQLITE_TRANSIENT);
    else
        m_query->bindValue(index, QString::fromStdString(value));
}

void BulkInsert::bind(int index, std::optional<double> value)
{
    if (value)
        bind(index, *value);
    else if (m_statement)
        sqlite3_bind_null(m_statement, index + 1);
    else
        m_query->bindValue(index, QVariant()); // a typed QVariant is 0.0 in Qt 6, not NULL
}

void BulkInsert::bindBlob(int index, const std::string &bytes)
{
    if (m_statement)
        sqlite3_bind_blob(
            m_statement, index + 1, bytes.data(), int(bytes.size()), SQLITE_TRANSIENT);
    else
        m_query->bindValue(index, QByteArray(bytes.data(), qsizetype(bytes.size())));
}

bool BulkInsert::exec(QString *error)
{
    if (!m_statement) {
        if (m_query->exec())
            return true;
        *error = m_query->lastError().text();
        return false;
    }
    const int status = sqlite3_step(m_statement);
    if (status != SQLITE_DONE)
        *error = QString::fromUtf8(sqlite3_errmsg(sqlite3_db_handle(m_statement)));
    sqlite3_reset(m_statement);
    return status == SQLITE_DONE;
}

} // namespace dmr::console
