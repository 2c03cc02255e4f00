// SPDX-License-Identifier: MIT
#include "UptimeCollector.h"

#include <QTest>

using dmr::agent::UptimeCollector;

class TestUptimeCollector : public QObject
{
    Q_OBJECT

private slots:
    void fixtures_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qulonglong>("seconds");
        QTest::newRow("raspberry pi") << "proc-rpi" << true << 123456ull;
        QTest::newRow("server, a year up") << "proc-server" << true << 31536000ull;
        QTest::newRow("laptop, fraction dropped") << "proc-laptop" << true << 3600ull;
        QTest::newRow("truncated to one number") << "proc-truncated" << true << 1417ull;
        QTest::newRow("garbage") << "proc-garbage" << false << 0ull;
        QTest::newRow("empty") << "proc-empty" << false << 0ull;
        QTest::newRow("missing") << "no-such-tree" << false << 0ull;
    }
    void fixtures()
    {
        QFETCH(QString, tree);
        QFETCH(bool, ok);
        QFETCH(qulonglong, seconds);
        UptimeCollector collector((QStringLiteral(DMR_TEST_DATA "/") + tree).toStdString());
        auto result = collector.collect();
        QCOMPARE(result.ok(), ok);
        if (ok)
            QCOMPARE(qulonglong(result.value()), seconds);
        else
            QVERIFY(QString::fromStdString(result.error()).contains("uptime"));
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("ok");
        QTest::newRow("zero") << QByteArray("0.00 0.00\n") << true;
        QTest::newRow("absurd") << QByteArray("1e300 1\n") << false;
        QTest::newRow("nan") << QByteArray("nan 1\n") << false;
        QTest::newRow("blank") << QByteArray("   \n") << false;
    }
    void parse()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, ok);
        QCOMPARE(
            UptimeCollector::parseUptime(std::string_view(text.constData(), text.size())).ok(), ok);
    }
};

QTEST_GUILESS_MAIN(TestUptimeCollector)
#include "tst_uptimecollector.moc"
