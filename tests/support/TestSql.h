// SPDX-License-Identifier: MIT
#pragma once

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QUuid>
#include <QVariant>

namespace TestSql {

// A QtSql connection of the test's own, beside the one under test, so that
// what is checked is what is on disk and not what a connection remembers.
class Connection
{
public:
    explicit Connection(const QString &path)
        : m_name(QStringLiteral("test-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        db.setDatabaseName(path);
        m_open = db.open();
    }
    ~Connection()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    bool isOpen() const { return m_open; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }

    // Runs one statement; returns its rows, each a list of column values.
    // A failed statement gives one row holding the error text, which then
    // shows up in the failing comparison.
    QList<QVariantList> rows(const QString &sql) const
    {
        QSqlQuery query(db());
        QList<QVariantList> result;
        if (!query.exec(sql))
            return {{QStringLiteral("SQL error: ") + query.lastError().text()}};
        while (query.next()) {
            QVariantList row;
            for (int i = 0; i < query.record().count(); ++i)
                row.append(query.value(i));
            result.append(row);
        }
        return result;
    }
    QVariant value(const QString &sql) const
    {
        const QList<QVariantList> result = rows(sql);
        return result.isEmpty() || result.first().isEmpty() ? QVariant() : result.first().first();
    }
    bool exec(const QString &sql, QString *error = nullptr) const
    {
        QSqlQuery query(db());
        if (query.exec(sql))
            return true;
        if (error)
            *error = query.lastError().text();
        return false;
    }
    QStringList columns(const QString &table) const
    {
        QStringList names;
        for (const QVariantList &row : rows(QStringLiteral("PRAGMA table_info(%1)").arg(table)))
            names.append(row.value(1).toString());
        return names;
    }

private:
    QString m_name;
    bool m_open = false;
};

// Runs a .sql fixture through `connection`: '--' comment lines, statements
// ending in ';' at the end of a line.
inline bool loadFixture(const Connection &connection, const QString &fixture, QString *error)
{
    QFile file(fixture);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        *error = file.errorString();
        return false;
    }
    QString statement;
    while (!file.atEnd()) {
        const QString line = QString::fromUtf8(file.readLine()).trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1String("--")))
            continue;
        statement += line + QLatin1Char(' ');
        if (line.endsWith(QLatin1Char(';'))) {
            if (!connection.exec(statement, error)) {
                *error += QStringLiteral(" in: ") + statement.left(300);
                return false;
            }
            statement.clear();
        }
    }
    return statement.trimmed().isEmpty();
}

} // namespace TestSql
