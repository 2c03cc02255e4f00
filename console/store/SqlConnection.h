// SPDX-License-Identifier: MIT
#pragma once

#include <QSqlDatabase>
#include <QSqlError>
#include <QString>
#include <optional>

namespace dmr::console {

// Opening a QtSql connection to the metrics database, SQLite or PostgreSQL,
// and the few things the two drivers do differently. The SQL itself is kept to
// what both accept; what is not (the schema's types, sizes, locks) is asked of
// these functions instead of being spelled per driver at each use.
namespace SqlConnection {

enum class Access { ReadWrite, ReadOnly };

// `location` is a SQLite file's path or a postgresql:// URL (DatabaseLocation).
// The connection is added under `name`; the caller removes it. An invalid
// QSqlDatabase and a sentence when it cannot be opened.
QSqlDatabase open(const QString &location, const QString &name, Access access, QString *error);

// Closes a connection open() opened and opens it again, to the same
// database with the same session settings: after the server went away.
// Every query prepared on the connection before is no use any more.
bool reopen(QSqlDatabase &db, Access access, QString *error);

bool isPostgres(const QSqlDatabase &db);

// Whether a table (a partitioned one too, which QPSQL's tables() leaves out) exists.
bool hasTable(const QSqlDatabase &db, const QString &name);

// The write lock was not had in time (SQLite busy or locked; PostgreSQL's lock
// timeout, a deadlock or a serialization failure): try again later.
bool isBusy(const QSqlError &error);

// The server is gone (PostgreSQL only): reconnect, do not blame the data.
bool isConnectionLost(const QSqlDatabase &db, const QSqlError &error);

// Starts a write transaction that waits at most waitMs for other writers.
bool beginWrite(QSqlDatabase &db, int waitMs, QString *error);

// PostgreSQL: whether this connection's session holds the session-level
// advisory lock `key`, taking it if it is free, without waiting. Asked again
// while held it stays held once (not counted twice), so that a caller may ask
// on every tick. The lock goes with the session: a connection that is lost
// loses it, and another session may take it. nullopt on error (the
// connection is gone, or this is not PostgreSQL).
std::optional<bool> holdAdvisoryLock(const QSqlDatabase &db, qint64 key, QString *error);

// Bytes the database takes: SQLite's pages in use; on PostgreSQL the tables
// and indexes of this schema, partitions included.
bool usedBytes(const QSqlDatabase &db, qint64 *bytes, QString *error);

// Bytes of one table with its indexes (on PostgreSQL all its partitions').
bool tableBytes(const QSqlDatabase &db, const QString &table, qint64 *bytes, QString *error);

} // namespace SqlConnection

} // namespace dmr::console
