// SPDX-License-Identifier: MIT
#include "LoadCollector.h"

#include <QTest>

using dmr::agent::LoadCollector;

class TestLoadCollector : public QObject
{
    Q_OBJECT

private slots:
    void fixtures_data()
    {
        QTest::addColumn<QString>("tree");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<double>("load1");
        QTest::addColumn<double>("load5");
        QTest::addColumn<double>("load15");
        QTest::newRow("raspberry pi") << "proc-rpi" << true << 0.52 << 0.58 << 0.59;
        QTest::newRow("server") << "proc-server" << true << 12.34 << 10.56 << 9.87;
        QTest::newRow("laptop") << "proc-laptop" << true << 1.05 << 0.97 << 0.88;
        QTest::newRow("old kernel") << "proc-oldkernel" << true << 0.0 << 0.01 << 0.05;
        QTest::newRow("truncated") << "proc-truncated" << false << 0.0 << 0.0 << 0.0;
        QTest::newRow("garbage") << "proc-garbage" << false << 0.0 << 0.0 << 0.0;
        QTest::newRow("empty") << "proc-empty" << false << 0.0 << 0.0 << 0.0;
        QTest::newRow("missing") << "no-such-tree" << false << 0.0 << 0.0 << 0.0;
    }
    void fixtures()
    {
        QFETCH(QString, tree);
        QFETCH(bool, ok);
        LoadCollector collector((QStringLiteral(DMR_TEST_DATA "/") + tree).toStdString());
        auto result = collector.collect();
        QCOMPARE(result.ok(), ok);
        if (!ok) {
            QVERIFY(!result.error().empty());
            QVERIFY2(
                QString::fromStdString(result.error()).contains("loadavg"), result.error().c_str());
            return;
        }
        QFETCH(double, load1);
        QFETCH(double, load5);
        QFETCH(double, load15);
        QCOMPARE(result.value().load1, load1);
        QCOMPARE(result.value().load5, load5);
        QCOMPARE(result.value().load15, load15);
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<bool>("ok");
        QTest::newRow("no newline") << QByteArray("1 2 3") << true;
        QTest::newRow("negative") << QByteArray("-1 2 3 1/2 3\n") << false;
        QTest::newRow("nan") << QByteArray("nan 2 3 1/2 3\n") << false;
        QTest::newRow("inf") << QByteArray("inf inf inf\n") << false;
        QTest::newRow("comma decimal") << QByteArray("0,5 1 2\n") << false;
        QTest::newRow("two values") << QByteArray("1 2\n3\n") << false;
    }
    void parse()
    {
        QFETCH(QByteArray, text);
        QFETCH(bool, ok);
        QCOMPARE(
            LoadCollector::parseLoadavg(std::string_view(text.constData(), text.size())).ok(), ok);
    }
};

QTEST_GUILESS_MAIN(TestLoadCollector)
#include "tst_loadcollector.moc"
