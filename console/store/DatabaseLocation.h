// SPDX-License-Identifier: MIT
#pragma once

#include <QMap>
#include <QString>
#include <optional>

namespace dmr::console {

// Where the console's database is: a SQLite file, or a PostgreSQL server
// named by a libpq-style URL,
//   postgresql://[user[:password]@][host][:port][/dbname][?key=value&...]
// (postgres:// too; a socket folder as ?host=/run/postgresql). The password
// should not be in the URL, which shows in the process list: it comes from a
// file (passwordFile, mode 0600, as libpq asks of .pgpass), or from libpq's
// own PGPASSFILE / ~/.pgpass when neither gives one.
struct DatabaseLocation
{
    enum class Driver { Sqlite, Postgres };

    Driver driver = Driver::Sqlite;
    QString path; // SQLite
    QString host; // PostgreSQL: a name, an address, or a socket folder
    int port = 5432;
    QString database;
    QString user;
    QString password; // from the URL; empty: the file's, or libpq's
    QString passwordFile;
    QMap<QString, QString> options; // libpq's, from the allow-list

    // A path or a URL; nullopt and a sentence when it is neither.
    static std::optional<DatabaseLocation> parse(const QString &text, QString *error);
    // The libpq options this console passes on (sslmode, connect_timeout, ...).
    static const QStringList &allowedOptions();

    bool isPostgres() const { return driver == Driver::Postgres; }
    // For logs and /healthz: the URL without its password, or the path.
    QString redacted() const;
    // The password to connect with: the file's first line when a file is
    // named, else the URL's; empty leaves it to libpq (PGPASSFILE,
    // ~/.pgpass). nullopt and a sentence when the file cannot be used.
    std::optional<QString> resolvePassword(QString *error) const;
};

} // namespace dmr::console
