// SPDX-License-Identifier: MIT
#include "store/DatabaseLocation.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::console::DatabaseLocation;

class TestDatabaseLocation : public QObject
{
    Q_OBJECT
private slots:
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
    void redactsThePassword();
    void passwordFromAFile();
};

void TestDatabaseLocation::parses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("postgres");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("passwordFile");
    QTest::addColumn<QString>("sslmode");

    QTest::newRow("a SQLite file") << "/var/lib/dmr/metrics.db" << false << "" << 5432 << ""
                                   << ""
                                   << ""
                                   << ""
                                   << "";
    QTest::newRow("a relative SQLite file") << "metrics.db" << false << "" << 5432 << ""
                                            << ""
                                            << ""
                                            << ""
                                            << "";
    QTest::newRow("whole URL") << "postgresql://dmr:s3cret@db1.lan:6432/metrics?sslmode=require"
                               << true << "db1.lan" << 6432 << "metrics"
                               << "dmr"
                               << "s3cret"
                               << ""
                               << "require";
    QTest::newRow("postgres:// and defaults")
        << "postgres:///metrics" << true << "localhost" << 5432 << "metrics"
        << ""
        << ""
        << ""
        << "";
    QTest::newRow("percent-encoded")
        << "postgresql://d%40m:p%3Aw%2Fd@[::1]/met%20rics" << true << "::1" << 5432 << "met rics"
        << "d@m"
        << "p:w/d"
        << ""
        << "";
    QTest::newRow("a socket folder") << "postgresql://dmr@/metrics?host=/run/postgresql&port=5433"
                                     << true << "/run/postgresql" << 5433 << "metrics"
                                     << "dmr"
                                     << ""
                                     << ""
                                     << "";
    QTest::newRow("a password file")
        << "postgresql://dmr@db1/metrics?password_file=/etc/dmr/db-password" << true << "db1"
        << 5432 << "metrics"
        << "dmr"
        << ""
        << "/etc/dmr/db-password"
        << "";
}

void TestDatabaseLocation::parses()
{
    QFETCH(QString, text);
    QString error;
    const std::optional<DatabaseLocation> location = DatabaseLocation::parse(text, &error);
    QVERIFY2(location, qPrintable(error));
    QTEST(location->isPostgres(), "postgres");
    if (!location->isPostgres()) {
        QCOMPARE(location->path, text);
        return;
    }
    QTEST(location->host, "host");
    QTEST(location->port, "port");
    QTEST(location->database, "database");
    QTEST(location->user, "user");
    QTEST(location->password, "password");
    QTEST(location->passwordFile, "passwordFile");
    QTEST(location->options.value(QStringLiteral("sslmode")), "sslmode");
}

void TestDatabaseLocation::refuses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("empty") << "  "
                           << "empty";
    QTest::newRow("another scheme") << "mysql://db1/metrics"
                                    << "only postgresql://";
    QTest::newRow("port out of range") << "postgresql://db1:70000/metrics"
                                       << "port";
    QTest::newRow("port in the query") << "postgresql://db1/metrics?port=x"
                                       << "port";
    QTest::newRow("a path for a name") << "postgresql://db1/a/b"
                                       << "database name";
    QTest::newRow("unknown option") << "postgresql://db1/metrics?sslmod=require"
                                    << "unknown option \"sslmod\"";
}

void TestDatabaseLocation::refuses()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString why;
    QVERIFY(!DatabaseLocation::parse(text, &why));
    QVERIFY2(why.contains(error), qPrintable(why));
}

void TestDatabaseLocation::redactsThePassword()
{
    QString error;
    const auto location = DatabaseLocation::parse(
        QStringLiteral("postgresql://dmr:s3cret@db1.lan:6432/metrics?sslmode=require"), &error);
    QVERIFY(location);
    QCOMPARE(location->redacted(),
        QStringLiteral("postgresql://dmr@db1.lan:6432/metrics?sslmode=require"));
    QVERIFY(!location->redacted().contains(QLatin1String("s3cret")));
    const auto socket = DatabaseLocation::parse(
        QStringLiteral("postgresql://dmr:x@/metrics?host=/run/postgresql"), &error);
    QVERIFY(socket);
    QCOMPARE(
        socket->redacted(), QStringLiteral("postgresql://dmr@:5432/metrics?host=/run/postgresql"));
    QCOMPARE(DatabaseLocation::parse(QStringLiteral("/tmp/m.db"), &error)->redacted(),
        QStringLiteral("/tmp/m.db"));
}

void TestDatabaseLocation::passwordFromAFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("db-password"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("from-the-file\nsecond line\n");
    file.close();
    QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));

    DatabaseLocation location;
    location.driver = DatabaseLocation::Driver::Postgres;
    location.password = QStringLiteral("from-the-url");
    QString error;
    // No file: the URL's.
    QCOMPARE(
        location.resolvePassword(&error), std::optional<QString>(QStringLiteral("from-the-url")));
    // A file wins, its first line without the newline.
    location.passwordFile = path;
    QCOMPARE(
        location.resolvePassword(&error), std::optional<QString>(QStringLiteral("from-the-file")));
    // Others may read it: refused, with how to fix it.
    QVERIFY(file.setPermissions(
        QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    QVERIFY(!location.resolvePassword(&error));
    QVERIFY2(error.contains(QLatin1String("chmod 600")), qPrintable(error));
    location.passwordFile = dir.filePath(QStringLiteral("missing"));
    QVERIFY(!location.resolvePassword(&error));
    QVERIFY2(error.contains(QLatin1String("does not exist")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestDatabaseLocation)
#include "tst_databaselocation.moc"
