// SPDX-License-Identifier: MIT
#pragma once

#include <QPointer>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlIndex>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QSqlResult>
#include <QUuid>
#include <QVariant>
#include <utility>

namespace TestSql {

// SQLite that loses reads the way PostgreSQL's driver (QPSQL) does, so that
// code reading in a pattern PostgreSQL breaks fails on SQLite too. QPSQL
// runs a forward-only query in libpq's single-row mode: its rows come off
// the connection one next() at a time, and any other statement on the
// connection (a prepare, a transaction's BEGIN, db.tables(), db.record(),
// the DEALLOCATE of a prepared query's destructor) throws away what is not
// read yet; next() then warns "Query results lost" and ends the loop early.
// Here every statement advances the connection's count, and a forward-only
// read that is no longer the newest fails its next row the same way, once
// its first row (which QPSQL has from exec()) is taken. Reads that are not
// forward-only are whole after exec(), on QPSQL as here. (Each of those
// cases was checked against QPSQL of Qt 6.4 and PostgreSQL 15.)
class SingleRowDriver : public QSqlDriver
{
public:
    // Over `sqlite`, a QSQLITE connection not open yet, which must outlive
    // this driver: the driver holds it, never looks it up by name (the
    // connection registry is locked while a connection is removed).
    explicit SingleRowDriver(QSqlDatabase sqlite)
        : m_sqlite(std::move(sqlite))
    { }

    // Reads cut short so far (each also logged as a warning).
    int lostReads() const { return m_lostReads; }

    // SingleRowResult's bookkeeping. A statement runs: the read before it
    // is lost if not read to its end.
    quint64 statement() const { return ++m_statements; }
    quint64 newest() const { return m_statements; }
    void lose() const { ++m_lostReads; }

    bool open(const QString &db, const QString &user, const QString &password, const QString &host,
        int port, const QString &options) override
    {
        m_sqlite.setDatabaseName(db);
        m_sqlite.setConnectOptions(options);
        if (!m_sqlite.open(user, password)) {
            setLastError(m_sqlite.lastError());
            setOpenError(true);
            return false;
        }
        Q_UNUSED(host);
        Q_UNUSED(port);
        setOpen(true);
        setOpenError(false);
        return true;
    }
    void close() override
    {
        m_sqlite.close();
        setOpen(false);
    }
    bool hasFeature(DriverFeature feature) const override
    {
        return m_sqlite.driver()->hasFeature(feature);
    }
    QSqlResult *createResult() const override;
    bool beginTransaction() override
    {
        statement();
        return done(m_sqlite.driver()->beginTransaction());
    }
    bool commitTransaction() override
    {
        statement();
        return done(m_sqlite.driver()->commitTransaction());
    }
    bool rollbackTransaction() override
    {
        statement();
        return done(m_sqlite.driver()->rollbackTransaction());
    }
    QStringList tables(QSql::TableType type) const override
    {
        statement();
        return m_sqlite.driver()->tables(type);
    }
    QSqlRecord record(const QString &table) const override
    {
        statement();
        return m_sqlite.driver()->record(table);
    }
    QSqlIndex primaryIndex(const QString &table) const override
    {
        statement();
        return m_sqlite.driver()->primaryIndex(table);
    }
    QString formatValue(const QSqlField &field, bool trimStrings) const override
    {
        return m_sqlite.driver()->formatValue(field, trimStrings);
    }
    QString escapeIdentifier(const QString &identifier, IdentifierType type) const override
    {
        return m_sqlite.driver()->escapeIdentifier(identifier, type);
    }

private:
    bool done(bool ok)
    {
        if (!ok)
            setLastError(m_sqlite.driver()->lastError());
        return ok;
    }

    QSqlDatabase m_sqlite;
    mutable quint64 m_statements = 0;
    mutable int m_lostReads = 0;
};

// One query of SingleRowDriver: SQLite's, run through a QSqlQuery of its own.
class SingleRowResult : public QSqlResult
{
public:
    SingleRowResult(const SingleRowDriver *driver, QSqlResult *sqlite)
        : QSqlResult(driver)
        , m_driver(driver)
        , m_sqlite(sqlite)
    { }
    ~SingleRowResult() override
    {
        if (m_prepared && m_driver)
            m_driver->statement(); // DEALLOCATE
    }

protected:
    bool reset(const QString &sql) override
    {
        m_read = m_driver->statement();
        m_sqlite.setForwardOnly(isForwardOnly());
        return executed(m_sqlite.exec(sql));
    }
    bool prepare(const QString &sql) override
    {
        m_driver->statement(); // PREPARE
        m_read = 0;
        m_prepared = m_sqlite.prepare(sql);
        if (!m_prepared)
            setLastError(m_sqlite.lastError());
        return m_prepared;
    }
    bool exec() override
    {
        m_read = m_driver->statement();
        m_sqlite.setForwardOnly(isForwardOnly());
        const QVariantList &values = boundValues();
        for (int i = 0; i < values.size(); ++i)
            m_sqlite.bindValue(i, values.at(i));
        return executed(m_sqlite.exec());
    }
    bool fetch(int i) override
    {
        if (i > at() && at() >= 0 && lost())
            return false;
        return moved(m_sqlite.seek(i));
    }
    bool fetchFirst() override { return moved(m_sqlite.first()); }
    bool fetchNext() override
    {
        if (lost())
            return false;
        return moved(m_sqlite.next());
    }
    bool fetchLast() override
    {
        if (lost())
            return false;
        return moved(m_sqlite.last());
    }
    QVariant data(int i) override { return m_sqlite.value(i); }
    bool isNull(int i) override { return m_sqlite.isNull(i); }
    int size() override { return m_sqlite.size(); }
    int numRowsAffected() override { return m_sqlite.numRowsAffected(); }
    QSqlRecord record() const override { return m_sqlite.record(); }
    QVariant lastInsertId() const override { return m_sqlite.lastInsertId(); }
    void detachFromResultSet() override { m_sqlite.finish(); }
    void setNumericalPrecisionPolicy(QSql::NumericalPrecisionPolicy policy) override
    {
        QSqlResult::setNumericalPrecisionPolicy(policy);
        m_sqlite.setNumericalPrecisionPolicy(policy);
    }

private:
    bool executed(bool ok)
    {
        setSelect(m_sqlite.isSelect());
        setActive(m_sqlite.isActive());
        setAt(QSql::BeforeFirstRow);
        if (!ok)
            setLastError(m_sqlite.lastError());
        return ok;
    }
    bool moved(bool ok)
    {
        if (ok)
            setAt(m_sqlite.at());
        return ok;
    }
    // A forward-only read past its first row, after another statement ran.
    bool lost()
    {
        if (!isForwardOnly() || m_read == m_driver->newest())
            return false;
        qWarning("SingleRowDriver: query results lost - another statement ran before this "
                 "forward-only read ended: %s",
            qPrintable(lastQuery()));
        setLastError(QSqlError(QStringLiteral("SingleRowDriver"),
            QStringLiteral("Query results lost - probably discarded on executing another SQL "
                           "query."),
            QSqlError::StatementError));
        m_driver->lose();
        m_read = m_driver->newest(); // once a read
        return true;
    }

    QPointer<const SingleRowDriver> m_driver;
    QSqlQuery m_sqlite;
    quint64 m_read = 0;
    bool m_prepared = false;
};

inline QSqlResult *SingleRowDriver::createResult() const
{
    return new SingleRowResult(this, m_sqlite.driver()->createResult());
}

// A connection over SingleRowDriver to a SQLite file, for the code under
// test; lostReads() says how many of its reads were cut short.
class SingleRowConnection
{
public:
    explicit SingleRowConnection(const QString &path)
        : m_name(QStringLiteral("single-row-") + QUuid::createUuid().toString(QUuid::WithoutBraces))
        , m_driver(new SingleRowDriver(
              QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), sqliteName())))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(m_driver, m_name);
        db.setDatabaseName(path);
        m_open = db.open();
    }
    ~SingleRowConnection()
    {
        {
            QSqlDatabase db = QSqlDatabase::database(m_name, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name); // deletes the driver
        QSqlDatabase::removeDatabase(sqliteName());
    }
    SingleRowConnection(const SingleRowConnection &) = delete;
    SingleRowConnection &operator=(const SingleRowConnection &) = delete;

    bool isOpen() const { return m_open; }
    QSqlDatabase db() const { return QSqlDatabase::database(m_name, false); }
    int lostReads() const { return m_driver->lostReads(); }

private:
    QString sqliteName() const { return m_name + QStringLiteral("-sqlite"); }

    QString m_name;
    QPointer<SingleRowDriver> m_driver;
    bool m_open = false;
};

} // namespace TestSql
