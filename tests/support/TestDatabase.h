// SPDX-License-Identifier: MIT
#pragma once

#include "support/TestSql.h"

#include <QString>
#include <QUrl>
#include <QUuid>
#include <QtTest/QTest>

namespace TestDatabase {

// The driver a run of a test uses: ctest runs the store's tests twice, the
// second time (name_pg) with DMR_TEST_DRIVER=postgres and the scratch server
// of tests/support/pg-scratch.sh in DMR_TEST_PG_URL.
inline bool wantsPostgres()
{
    return qgetenv("DMR_TEST_DRIVER") == "postgres";
}

// The database one test function writes to: the SQLite file it names, or,
// on the PostgreSQL run, a database of its own created on the scratch server
// and dropped after.
class Scratch
{
public:
    explicit Scratch(const QString &sqlitePath)
    {
        if (!wantsPostgres()) {
            m_location = sqlitePath;
            return;
        }
        const QString base = qEnvironmentVariable("DMR_TEST_PG_URL");
        if (base.isEmpty()) {
            m_missing = true;
            m_error = QStringLiteral("no PostgreSQL server: DMR_TEST_PG_URL is not set (start one "
                                     "with tests/support/pg-scratch.sh)");
            return;
        }
        m_name = QStringLiteral("dmr_t_")
            + QUuid::createUuid().toString(QUuid::Id128).left(16).toLower();
        if (!admin(base, QStringLiteral("CREATE DATABASE %1").arg(m_name)))
            return;
        m_base = base;
        QUrl url(base);
        url.setPath(QLatin1Char('/') + m_name);
        // The tests' checks round sums as SQLite does; PostgreSQL rounds
        // only NUMERIC to a number of places. (The console's SQL does not
        // round, so this hides nothing of it.)
        if (!admin(url.toString(),
                QStringLiteral("CREATE FUNCTION round(double precision, integer)"
                               " RETURNS double precision IMMUTABLE LANGUAGE SQL"
                               " AS 'SELECT round($1::numeric, $2)::double precision'")))
            return;
        m_location = url.toString();
    }
    ~Scratch()
    {
        if (!m_base.isEmpty())
            admin(m_base, QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_name));
    }
    Scratch(const Scratch &) = delete;
    Scratch &operator=(const Scratch &) = delete;

    bool isPostgres() const { return wantsPostgres(); }
    // The server was asked for and none was given: skipped on a developer's
    // machine, failed where DMR_REQUIRE_PG=1 (CI).
    bool isMissing() const { return m_missing; }
    bool isValid() const { return !m_location.isEmpty(); }
    QString location() const { return m_location; }
    QString error() const { return m_error; }

private:
    bool admin(const QString &url, const QString &sql)
    {
        TestSql::Connection server(url);
        if (!server.isOpen()) {
            m_error = server.error();
            return false;
        }
        return server.exec(sql, &m_error);
    }

    QString m_location;
    QString m_base;
    QString m_name;
    QString m_error;
    bool m_missing = false;
};

} // namespace TestDatabase

// In a test's init(): the scratch database, or a skip (no server here) or a
// failure (no server in CI, or it refused).
#define TEST_DATABASE_READY(scratch)                                                               \
    do {                                                                                           \
        if ((scratch).isMissing() && qgetenv("DMR_REQUIRE_PG") != "1")                             \
            QSKIP(qPrintable((scratch).error()));                                                  \
        QVERIFY2((scratch).isValid(), qPrintable((scratch).error()));                              \
    } while (false)

// A test function that is about SQLite alone (its pragmas, its file).
#define SQLITE_ONLY(scratch)                                                                       \
    do {                                                                                           \
        if ((scratch).isPostgres())                                                                \
            QSKIP("SQLite only");                                                                  \
    } while (false)
