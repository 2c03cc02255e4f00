// SPDX-License-Identifier: MIT
#include "store/BulkInsert.h"
#include "store/Database.h"
#include "support/TestSql.h"

#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

Q_DECLARE_METATYPE(dmr::console::BulkInsert::Binding)

class TestBulkInsert : public QObject
{
    Q_OBJECT
private slots:
    void insertsEveryValue_data();
    void insertsEveryValue();
    void sameTimeIsStoredTwice();
    void reportsErrors();
};

void TestBulkInsert::insertsEveryValue_data()
{
    QTest::addColumn<BulkInsert::Binding>("binding");
    QTest::addColumn<bool>("native");
    QTest::newRow("native SQLite binding") << BulkInsert::Binding::Native << true;
    QTest::newRow("QtSql binding") << BulkInsert::Binding::QtSql << false;
}

// Both ways of binding store the same values, so the QtSql path that other
// drivers take is exercised here on SQLite.
void TestBulkInsert::insertsEveryValue()
{
    QFETCH(BulkInsert::Binding, binding);
    QFETCH(bool, native);
    QTemporaryDir dir;
    Database database(QStringLiteral("bulk"));
    QString error;
    QVERIFY2(database.open(dir.filePath(QStringLiteral("b.db")), &error), qPrintable(error));
    QVERIFY2(database.migrate(&error), qPrintable(error));
    {
        BulkInsert insert(database.sql(), QStringLiteral("network_metrics"),
            {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("interface"),
                QStringLiteral("ip_address"), QStringLiteral("mac_address"),
                QStringLiteral("rx_bytes"), QStringLiteral("tx_bytes"),
                QStringLiteral("rx_packets"), QStringLiteral("tx_packets")},
            3, binding);
        QVERIFY2(insert.prepare(&error), qPrintable(error));
        QCOMPARE(insert.isNative(), native);
        for (int row = 0; row < 3; ++row) {
            const int base = row * 9;
            insert.bind(base + 0, qint64(7));
            insert.bind(base + 1, qint64(1000 + row));
            insert.bind(base + 2, std::string("eth") + char('0' + row));
            insert.bind(base + 3, std::string("10.0.0.") + char('1' + row));
            insert.bind(base + 4, std::string("02:00:00:00:00:0") + char('1' + row));
            insert.bind(base + 5, qint64(1) << 40);
            insert.bind(base + 6, qint64(row));
            insert.bind(base + 7, qint64(-1));
            insert.bind(base + 8, qint64(12345678901LL));
        }
        QVERIFY2(insert.exec(&error), qPrintable(error));
    }
    QSqlQuery check(database.sql());
    QVERIFY(check.exec(
        QStringLiteral("SELECT ts, interface, ip_address, mac_address, rx_bytes, tx_bytes,"
                       " rx_packets, tx_packets FROM network_metrics ORDER BY ts")));
    for (int row = 0; row < 3; ++row) {
        QVERIFY(check.next());
        QCOMPARE(check.value(0).toLongLong(), 1000 + row);
        QCOMPARE(check.value(1).toString(), QStringLiteral("eth%1").arg(row));
        QCOMPARE(check.value(2).toString(), QStringLiteral("10.0.0.%1").arg(row + 1));
        QCOMPARE(check.value(3).toString(), QStringLiteral("02:00:00:00:00:0%1").arg(row + 1));
        QCOMPARE(check.value(4).toLongLong(), qint64(1) << 40);
        QCOMPARE(check.value(5).toLongLong(), row);
        QCOMPARE(check.value(6).toLongLong(), -1);
        QCOMPARE(check.value(7).toLongLong(), 12345678901LL);
    }
    QVERIFY(!check.next());
}

// Two samples of one device in the same millisecond are two rows: the
// store keys nothing on time, so no sample is ever dropped for its timestamp.
void TestBulkInsert::sameTimeIsStoredTwice()
{
    QTemporaryDir dir;
    Database database(QStringLiteral("bulk"));
    QString error;
    QVERIFY(
        database.open(dir.filePath(QStringLiteral("b.db")), &error) && database.migrate(&error));
    BulkInsert insert(database.sql(), QStringLiteral("network_metrics"),
        {QStringLiteral("device"), QStringLiteral("ts"), QStringLiteral("interface"),
            QStringLiteral("ip_address"), QStringLiteral("mac_address"), QStringLiteral("rx_bytes"),
            QStringLiteral("tx_bytes"), QStringLiteral("rx_packets"), QStringLiteral("tx_packets")},
        1);
    QVERIFY(insert.prepare(&error));
    for (qint64 rx : {111, 222}) {
        insert.bind(0, qint64(1));
        insert.bind(1, qint64(5000));
        insert.bind(2, std::string("eth0"));
        insert.bind(3, std::string());
        insert.bind(4, std::string());
        insert.bind(5, rx);
        for (int i = 6; i < 9; ++i)
            insert.bind(i, qint64(0));
        QVERIFY2(insert.exec(&error), qPrintable(error));
    }
    QSqlQuery check(database.sql());
    QVERIFY(check.exec(QStringLiteral("SELECT COUNT(*), MIN(rx_bytes) FROM network_metrics"))
        && check.next());
    QCOMPARE(check.value(0).toInt(), 2);
    QCOMPARE(check.value(1).toLongLong(), 111);
}

void TestBulkInsert::reportsErrors()
{
    QTemporaryDir dir;
    Database database(QStringLiteral("bulk"));
    QString error;
    QVERIFY(
        database.open(dir.filePath(QStringLiteral("b.db")), &error) && database.migrate(&error));
    BulkInsert missingTable(
        database.sql(), QStringLiteral("no_such_table"), {QStringLiteral("x")}, 1);
    QVERIFY(!missingTable.prepare(&error));
    QVERIFY2(error.contains(QStringLiteral("no_such_table")), qPrintable(error));

    BulkInsert insert(
        database.sql(), QStringLiteral("system_metrics"), {QStringLiteral("device")}, 1);
    QVERIFY(insert.prepare(&error));
    insert.bind(0, qint64(1));
    error.clear();
    QVERIFY(!insert.exec(&error)); // the NOT NULL columns are missing
    QVERIFY2(error.contains(QStringLiteral("NOT NULL")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestBulkInsert)
#include "tst_bulkinsert.moc"
