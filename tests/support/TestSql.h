// SPDX-License-Identifier: MIT
#pragma once

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QUrl>
#include <QUrlQuery>
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
        if (path.startsWith(QLatin1String("postgresql://"))) {
            // The tests' own reading of the scratch server's URL
            // (tests/support/pg-scratch.sh), so that end-to-end tests need
            // no console library.
            const QUrl url(path);
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
            db.setHostName(url.host());
            db.setPort(url.port(5432));
            db.setDatabaseName(url.path().mid(1));
            db.setUserName(url.userName());
            QFile secret(QUrlQuery(url).queryItemValue(QStringLiteral("password_file")));
            if (secret.open(QIODevice::ReadOnly))
                db.setPassword(QString::fromUtf8(secret.readLine()).trimmed());
            m_open = db.open();
            if (!m_open)
                m_error = db.lastError().text();
            return;
        }
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
    QString error() const { return m_error; }
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
            // QPSQL gives a NULL as a value of the column's type (0 for a
            // number); QSQLITE as an invalid QVariant. The tests see the latter.
            for (int i = 0; i < query.record().count(); ++i)
                row.append(query.isNull(i) ? QVariant() : query.value(i));
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
    // The schema's tables; on PostgreSQL the partitioned ones and not their
    // partitions (QPSQL's tables() gives the partitions only).
    QStringList tables() const
    {
        if (db().driverName() != QLatin1String("QPSQL"))
            return db().tables();
        QStringList names;
        for (const QVariantList &row :
            rows(QStringLiteral("SELECT c.relname FROM pg_class c"
                                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                                " WHERE n.nspname = current_schema()"
                                " AND c.relkind IN ('r', 'p') AND NOT c.relispartition")))
            names.append(row.value(0).toString());
        return names;
    }
    // "ok", or what is wrong: SQLite's own check of its file, then, on both
    // drivers, no row of a device that is not there.
    QString integrity() const
    {
        if (db().driverName() != QLatin1String("QPSQL")) {
            const QString sqlite = value(QStringLiteral("PRAGMA integrity_check")).toString();
            if (sqlite != QLatin1String("ok"))
                return sqlite;
        }
        for (const QString &table : tables()) {
            if (table == QLatin1String("devices")
                || !columns(table).contains(QStringLiteral("device")))
                continue;
            const int orphans
                = value(QStringLiteral("SELECT COUNT(*) FROM %1 t WHERE NOT EXISTS"
                                       " (SELECT 1 FROM devices d WHERE d.id = t.device)")
                            .arg(table))
                      .toInt();
            if (orphans > 0)
                return QStringLiteral("%1 rows of %2 belong to no device").arg(orphans).arg(table);
        }
        return QStringLiteral("ok");
    }
    QStringList columns(const QString &table) const
    {
        QStringList names;
        if (db().driverName() == QLatin1String("QPSQL")) {
            for (const QVariantList &row :
                rows(QStringLiteral("SELECT column_name FROM information_schema.columns"
                                    " WHERE table_schema = current_schema() AND table_name = '%1'"
                                    " ORDER BY ordinal_position")
                         .arg(table)))
                names.append(row.value(0).toString());
            return names;
        }
        for (const QVariantList &row : rows(QStringLiteral("PRAGMA table_info(%1)").arg(table)))
            names.append(row.value(1).toString());
        return names;
    }

private:
    QString m_name;
    bool m_open = false;
    QString m_error;
};

// A real SQL failure from the database itself, as a full disk or a corrupt
// page would give: a trigger that aborts every insert into `table`.
inline bool refuseInserts(const Connection &admin, const QString &table, QString *error)
{
    if (admin.db().driverName() != QLatin1String("QPSQL"))
        return admin.exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON %1"
                                         " BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
                              .arg(table),
            error);
    return admin.exec(QStringLiteral("CREATE OR REPLACE FUNCTION refuse() RETURNS trigger"
                                     " LANGUAGE plpgsql AS"
                                     " 'BEGIN RAISE EXCEPTION ''disk on fire''; END'"),
               error)
        && admin.exec(QStringLiteral("CREATE TRIGGER refuse BEFORE INSERT ON %1"
                                     " FOR EACH ROW EXECUTE FUNCTION refuse()")
                          .arg(table),
            error);
}

// Ends refuseInserts(): SQLite's trigger names are the schema's,
// PostgreSQL's the table's.
inline QString dropRefusal(const Connection &admin, const QString &table)
{
    return admin.db().driverName() == QLatin1String("QPSQL")
        ? QStringLiteral("DROP TRIGGER refuse ON %1").arg(table)
        : QStringLiteral("DROP TRIGGER refuse");
}

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
