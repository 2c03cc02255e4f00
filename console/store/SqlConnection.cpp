// SPDX-License-Identifier: MIT
#include "store/SqlConnection.h"

#include "store/DatabaseLocation.h"

#include <QSqlDriver>
#include <QSqlQuery>
#include <QVariant>

namespace dmr::console::SqlConnection {

namespace {

QString failure(const QSqlQuery &query)
{
    return query.lastError().text();
}

// What every new PostgreSQL session is set to, at open and at each reconnect.
bool setUpSession(QSqlDatabase &db, Access access, const QString &where, QString *error)
{
    // QPSQL asks for bytea in the escape format, up to four bytes a byte of
    // compressed chunks; hex is two. Acks promise what was committed, so a
    // role's default must not make commits asynchronous. A reader never
    // writes, and a runaway read must not hold the server.
    QStringList setup = {QStringLiteral("SET bytea_output = 'hex'"),
        QStringLiteral("SET synchronous_commit = on"), QStringLiteral("SET TIME ZONE 'UTC'")};
    if (access == Access::ReadOnly)
        setup << QStringLiteral("SET default_transaction_read_only = on")
              << QStringLiteral("SET statement_timeout = '60s'");
    QSqlQuery query(db);
    for (const QString &statement : setup) {
        if (!query.exec(statement)) {
            *error = QStringLiteral("%1 failed on %2: %3").arg(statement, where, failure(query));
            return false;
        }
    }
    return true;
}

// The location of an open PostgreSQL connection, without its password.
QString redacted(const QSqlDatabase &db)
{
    return QStringLiteral("postgresql://%1@%2:%3/%4")
        .arg(db.userName(), db.hostName())
        .arg(db.port())
        .arg(db.databaseName());
}

QSqlDatabase openSqlite(
    const DatabaseLocation &location, const QString &name, Access access, QString *error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    if (!db.isValid()) {
        *error = QStringLiteral("the Qt SQLite driver (QSQLITE) is not installed");
        return {};
    }
    db.setDatabaseName(location.path);
    db.setConnectOptions(access == Access::ReadOnly
            ? QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000")
            : QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
    if (!db.open()) {
        *error = QStringLiteral("cannot open %1%2: %3")
                     .arg(location.path,
                         access == Access::ReadOnly ? QStringLiteral(" for reading") : QString(),
                         db.lastError().text());
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return {};
    }
    return db;
}

QSqlDatabase openPostgres(
    const DatabaseLocation &location, const QString &name, Access access, QString *error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
    if (!db.isValid()) {
        *error = QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed: install "
                                "the package libqt6sql6-psql");
        return {};
    }
    const std::optional<QString> password = location.resolvePassword(error);
    if (!password)
        return {};
    db.setHostName(location.host);
    db.setPort(location.port);
    db.setDatabaseName(location.database);
    db.setUserName(location.user);
    if (!password->isEmpty())
        db.setPassword(*password);
    QMap<QString, QString> options = location.options;
    // A server that does not answer must not hold a thread for minutes.
    if (!options.contains(QStringLiteral("connect_timeout")))
        options.insert(QStringLiteral("connect_timeout"), QStringLiteral("5"));
    if (!options.contains(QStringLiteral("application_name")))
        options.insert(QStringLiteral("application_name"),
            access == Access::ReadOnly ? QStringLiteral("metrics-console-reader")
                                       : QStringLiteral("metrics-console"));
    QStringList connectOptions;
    for (auto it = options.cbegin(); it != options.cend(); ++it)
        connectOptions.append(it.key() + QLatin1Char('=') + it.value());
    db.setConnectOptions(connectOptions.join(QLatin1Char(';')));
    if (!db.open()) {
        *error = QStringLiteral("cannot connect to %1: %2")
                     .arg(location.redacted(), db.lastError().text().trimmed());
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return {};
    }
    if (!setUpSession(db, access, location.redacted(), error)) {
        db.close();
        db = QSqlDatabase();
        QSqlDatabase::removeDatabase(name);
        return {};
    }
    return db;
}

} // namespace

QSqlDatabase open(const QString &text, const QString &name, Access access, QString *error)
{
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(text, error);
    if (!location)
        return {};
    return location->isPostgres() ? openPostgres(*location, name, access, error)
                                  : openSqlite(*location, name, access, error);
}

bool reopen(QSqlDatabase &db, Access access, QString *error)
{
    db.close();
    if (!db.open()) {
        *error = QStringLiteral("cannot connect to %1: %2")
                     .arg(isPostgres(db) ? redacted(db) : db.databaseName(),
                         db.lastError().text().trimmed());
        return false;
    }
    if (isPostgres(db) && !setUpSession(db, access, redacted(db), error)) {
        db.close();
        return false;
    }
    return true;
}

bool isPostgres(const QSqlDatabase &db)
{
    return db.driverName() == QLatin1String("QPSQL");
}

bool hasTable(const QSqlDatabase &db, const QString &name)
{
    if (!isPostgres(db))
        return db.tables().contains(name);
    QSqlQuery query(db);
    query.prepare(QStringLiteral("SELECT to_regclass(?) IS NOT NULL"));
    query.addBindValue(name);
    return query.exec() && query.next() && query.value(0).toBool();
}

bool isBusy(const QSqlError &error)
{
    const QString code = error.nativeErrorCode();
    // SQLite: SQLITE_BUSY, SQLITE_LOCKED (QSQLITE gives the code, older ones only the text).
    if (code == QLatin1String("5") || code == QLatin1String("6")
        || error.text().contains(QLatin1String("locked"))
        || error.text().contains(QLatin1String("busy")))
        return true;
    // PostgreSQL: lock_not_available, deadlock_detected, serialization_failure.
    return code == QLatin1String("55P03") || code == QLatin1String("40P01")
        || code == QLatin1String("40001");
}

bool isConnectionLost(const QSqlDatabase &db, const QSqlError &error)
{
    if (!isPostgres(db))
        return false;
    const QString code = error.nativeErrorCode();
    // Class 08 is connection exceptions; 57P01-57P03 an administrator or
    // crash shutdown. With no code at all the server never answered.
    return !db.isOpen() || code.startsWith(QLatin1String("08")) || code == QLatin1String("57P01")
        || code == QLatin1String("57P02") || code == QLatin1String("57P03")
        || (code.isEmpty() && error.type() == QSqlError::ConnectionError);
}

bool beginWrite(QSqlDatabase &db, int waitMs, QString *error)
{
    QSqlQuery query(db);
    if (isPostgres(db)) {
        if (!db.transaction()) {
            *error = db.lastError().text();
            return false;
        }
        if (!query.exec(QStringLiteral("SET LOCAL lock_timeout = '%1ms'").arg(waitMs))) {
            *error = failure(query);
            db.rollback();
            return false;
        }
        return true;
    }
    // SQLite: BEGIN IMMEDIATE takes the write lock now, waiting busy_timeout
    // for it; the usual timeout is put back at once.
    const int usual = query.exec(QStringLiteral("PRAGMA busy_timeout")) && query.next()
        ? query.value(0).toInt()
        : 5000;
    query.finish();
    query.exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(waitMs));
    const bool begun = query.exec(QStringLiteral("BEGIN IMMEDIATE"));
    if (!begun)
        *error = failure(query);
    query.exec(QStringLiteral("PRAGMA busy_timeout = %1").arg(usual));
    return begun;
}

std::optional<bool> holdAdvisoryLock(const QSqlDatabase &db, qint64 key, QString *error)
{
    if (!isPostgres(db)) {
        *error = QStringLiteral("advisory locks are PostgreSQL's");
        return std::nullopt;
    }
    // pg_try_advisory_lock() counts every grant, and a session lock is freed
    // only by as many unlocks: it is asked for only when this session does
    // not hold it yet (CASE evaluates in order). pg_locks splits a bigint
    // key into classid (high half) and objid (low half), with objsubid 1.
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(QStringLiteral(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
            " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
            " AND ((classid::bigint << 32) | objid::bigint) = ?)"
            " THEN true ELSE pg_try_advisory_lock(?) END"))) {
        *error = failure(query);
        return std::nullopt;
    }
    query.addBindValue(key);
    query.addBindValue(key);
    if (!query.exec() || !query.next()) {
        *error = failure(query);
        return std::nullopt;
    }
    return query.value(0).toBool();
}

bool usedBytes(const QSqlDatabase &db, qint64 *bytes, QString *error)
{
    QSqlQuery query(db);
    if (isPostgres(db)) {
        // Every table of this schema, partitions and indexes included; not the
        // rest of the database, which other programs may share.
        if (!query.exec(QStringLiteral("SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)"
                                       " FROM pg_class c"
                                       " JOIN pg_namespace n ON n.oid = c.relnamespace"
                                       " WHERE n.nspname = current_schema() AND c.relkind = 'r'"))
            || !query.next()) {
            *error = failure(query);
            return false;
        }
        *bytes = query.value(0).toLongLong();
        return true;
    }
    qint64 values[3] = {0, 0, 0};
    const char *const pragmas[3]
        = {"PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"};
    for (int i = 0; i < 3; ++i) {
        if (!query.exec(QString::fromLatin1(pragmas[i])) || !query.next()) {
            *error = failure(query);
            return false;
        }
        values[i] = query.value(0).toLongLong();
        query.finish();
    }
    *bytes = (values[0] - values[1]) * values[2];
    return true;
}

bool tableBytes(const QSqlDatabase &db, const QString &table, qint64 *bytes, QString *error)
{
    QSqlQuery query(db);
    if (isPostgres(db)) {
        query.prepare(QStringLiteral("SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0)"
                                     " FROM pg_partition_tree(?::regclass)"));
        query.addBindValue(table);
    } else {
        // dbstat by name visits only the table's and its indexes' b-trees.
        query.prepare(QStringLiteral("SELECT COALESCE(SUM(pgsize), 0) FROM dbstat"
                                     " WHERE name IN (?, ?, ?)"));
        query.addBindValue(table);
        query.addBindValue(table + QStringLiteral("_device_ts"));
        query.addBindValue(QStringLiteral("sqlite_autoindex_%1_1").arg(table));
    }
    if (!query.exec() || !query.next()) {
        *error = failure(query);
        return false;
    }
    *bytes = query.value(0).toLongLong();
    return true;
}

} // namespace dmr::console::SqlConnection
